import type { BreakerState } from '../../../lambda/orders/breaker';
import { INITIAL_BREAKER } from '../../../lambda/orders/breaker';
import { chargeThroughBreaker, providerAttempt, RetryLaterError, TransientProviderError, type PaymentPolicy, type PaymentPorts } from '../../../lambda/orders/payment-core';
import type { PaymentResult } from '../../../lambda/orders/saga';

const policy: PaymentPolicy = {
  breaker: { failureThreshold: 2, coolDownMs: 5000 },
  retries: 2,
  backoff: { baseMs: 100, capMs: 1000 },
  redelivery: { baseSeconds: 2, maxSeconds: 300 },
};
const ORDER = { orderId: 'order-1', amountCents: 100 };

/** One shared breaker item with versioned writes, a provider answering from a script, a fake clock. */
function world(initial: BreakerState, provider: ReadonlyArray<PaymentResult | 'fail'>, afterCall: (call: number) => BreakerState | undefined = () => undefined) {
  let stored = initial;
  const script = [...provider];
  const calls: string[] = [];
  const seen: string[] = [];
  const attempts: number[] = [];
  const sleeps: number[] = [];
  const transitions: string[] = [];
  const ports: PaymentPorts = {
    breaker: {
      read: async () => stored,
      write: async (next, current) => {
        if (stored.version !== current.version) return false;
        stored = next;
        return true;
      },
    },
    charge: async (orderId, _amountCents, { attempt, breaker, breakerVersion }) => {
      calls.push(orderId);
      attempts.push(attempt);
      seen.push(`${breaker}@${breakerVersion}`);
      const answer = script.shift() ?? 'CHARGED';
      stored = afterCall(calls.length) ?? stored;
      if (answer === 'fail') throw new TransientProviderError('timed out');
      return answer;
    },
    sleep: async (ms) => void sleeps.push(ms),
    now: () => 10_000,
    random: () => 0.5,
    onTransition: (from, to) => transitions.push(`${from.status}->${to.status}`),
    onRetry: () => undefined,
  };
  return { ports, calls, attempts, seen, sleeps, transitions, breaker: () => stored };
}

describe('providerAttempt', () => {
  test.each([
    // receiveCount, retry, retries, attempt: each delivery makes retries + 1 calls
    [1, 0, 2, 1],
    [1, 2, 2, 3],
    [2, 0, 2, 4],
    [3, 1, 2, 8],
    [4, 0, 0, 4],
  ])('delivery %i, retry %i, %i retries per delivery: attempt %i', (receiveCount, retry, retries, attempt) => {
    expect(providerAttempt(receiveCount, retry, { retries })).toBe(attempt);
  });

  test('the calls of a later delivery continue the numbering', async () => {
    const w = world(INITIAL_BREAKER, ['fail', 'CHARGED']);
    await chargeThroughBreaker(ORDER, 2, w.ports, policy);
    expect(w.attempts).toEqual([providerAttempt(2, 0, policy), providerAttempt(2, 1, policy)]);
  });
});

describe('chargeThroughBreaker', () => {
  test('charges through a closed breaker, retrying a transient error in process with backoff', async () => {
    const w = world(INITIAL_BREAKER, ['fail', 'fail', 'CHARGED']);
    await expect(chargeThroughBreaker(ORDER, 1, w.ports, policy)).resolves.toBe('CHARGED');
    expect(w.calls).toHaveLength(3);
    expect(w.attempts).toEqual([1, 2, 3]);
    expect(w.sleeps).toEqual([50, 100]);
    expect(w.breaker().status).toBe('CLOSED');
  });

  test.each([
    [1, 2],
    [2, 4],
    [4, 16],
  ])('returns a message that failed every retry on delivery %i after %i s, and counts one breaker failure', async (receiveCount, delay) => {
    const w = world(INITIAL_BREAKER, ['fail', 'fail', 'fail']);
    const error = await chargeThroughBreaker(ORDER, receiveCount, w.ports, policy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).delaySeconds).toBe(delay);
    expect(w.breaker()).toEqual(expect.objectContaining({ status: 'CLOSED', failures: 1 }));
  });

  test('opens the breaker after failureThreshold failed deliveries', async () => {
    const w = world({ ...INITIAL_BREAKER, failures: 1, version: 3 }, ['fail', 'fail', 'fail']);
    await expect(chargeThroughBreaker(ORDER, 1, w.ports, policy)).rejects.toBeInstanceOf(RetryLaterError);
    expect(w.breaker()).toEqual({ status: 'OPEN', failures: 0, openUntil: 15_000, version: 4 });
    expect(w.transitions).toEqual(['CLOSED->OPEN']);
  });

  test('returns the message that opened the breaker after the cool-down, not its delivery backoff', async () => {
    const w = world({ ...INITIAL_BREAKER, failures: 1, version: 3 }, ['fail', 'fail', 'fail']);
    const error = (await chargeThroughBreaker(ORDER, 5, w.ports, policy).catch((e: unknown) => e)) as RetryLaterError;
    // Delivery 5 would wait 32 s; the breaker lets a probe through after 5.
    expect(error.delaySeconds).toBe(5);
  });

  test('stops retrying when another worker opened the breaker meanwhile, without counting a failure', async () => {
    const open: BreakerState = { status: 'OPEN', failures: 0, openUntil: 13_000, version: 7 };
    const w = world(INITIAL_BREAKER, ['fail', 'fail', 'fail'], (call) => (call === 1 ? open : undefined));
    const error = (await chargeThroughBreaker(ORDER, 1, w.ports, policy).catch((e: unknown) => e)) as RetryLaterError;
    expect(w.calls).toHaveLength(1);
    expect(error.message).toMatch(/the payment breaker is OPEN; the message returns in 3 s/);
    expect(w.breaker()).toBe(open);
  });

  test('tells the provider which breaker state let each call through', async () => {
    const closed = world(INITIAL_BREAKER, ['fail', 'CHARGED']);
    await chargeThroughBreaker(ORDER, 1, closed.ports, policy);
    // The retry read the breaker again: a failure is counted only after the last retry, so still version 0.
    expect(closed.seen).toEqual(['CLOSED@0', 'CLOSED@0']);
    const probing = world({ status: 'OPEN', failures: 0, openUntil: 9_000, version: 4 }, ['CHARGED']);
    await chargeThroughBreaker(ORDER, 1, probing.ports, policy);
    expect(probing.seen).toEqual(['HALF_OPEN@5']);
  });

  test('does not call the provider while the breaker is open: the message returns after the cool-down left', async () => {
    const w = world({ status: 'OPEN', failures: 0, openUntil: 13_500, version: 4 }, []);
    const error = (await chargeThroughBreaker(ORDER, 1, w.ports, policy).catch((e: unknown) => e)) as RetryLaterError;
    expect(error.delaySeconds).toBe(4);
    expect(w.calls).toEqual([]);
  });

  test('lets one probe through after the cool-down, and its success closes the breaker', async () => {
    const w = world({ status: 'OPEN', failures: 0, openUntil: 9_000, version: 4 }, ['CHARGED']);
    await expect(chargeThroughBreaker(ORDER, 3, w.ports, policy)).resolves.toBe('CHARGED');
    expect(w.calls).toHaveLength(1);
    expect(w.transitions).toEqual(['OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED']);
    expect(w.breaker().status).toBe('CLOSED');
  });

  test('reopens the breaker when the probe, one call, fails: the message returns after a cool-down', async () => {
    const w = world({ status: 'OPEN', failures: 0, openUntil: 9_000, version: 4 }, ['fail', 'fail', 'fail']);
    const error = (await chargeThroughBreaker(ORDER, 3, w.ports, policy).catch((e: unknown) => e)) as RetryLaterError;
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error.delaySeconds).toBe(5);
    expect(w.calls).toHaveLength(1);
    expect(w.transitions).toEqual(['OPEN->HALF_OPEN', 'HALF_OPEN->OPEN']);
  });

  test('holds a second worker back while a probe is in flight', async () => {
    const w = world({ status: 'HALF_OPEN', failures: 0, openUntil: 12_000, version: 5 }, []);
    await expect(chargeThroughBreaker(ORDER, 1, w.ports, policy)).rejects.toThrow(/the payment breaker is HALF_OPEN; the message returns in 2 s/);
    expect(w.calls).toEqual([]);
  });

  test('passes a decline through as an answer, not a failure', async () => {
    const w = world(INITIAL_BREAKER, ['DECLINED']);
    await expect(chargeThroughBreaker(ORDER, 1, w.ports, policy)).resolves.toBe('DECLINED');
    expect(w.breaker()).toBe(INITIAL_BREAKER);
  });
});
