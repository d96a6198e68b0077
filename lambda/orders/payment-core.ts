import { redeliveryDelaySeconds, retryDelayMs, type BackoffPolicy, type RedeliveryPolicy } from './backoff';
import { admit, afterFailure, afterSuccess, type BreakerPolicy, type BreakerState, type BreakerStatus } from './breaker';
import type { PaymentResult } from './saga';

/** A provider error worth retrying (timeout, 5xx, outage); a decline is an answer, not an error. */
export class TransientProviderError extends Error {
  override readonly name = 'TransientProviderError';
}

/** The message must come back later: after `delaySeconds` (its new visibility timeout). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    readonly delaySeconds: number,
    reason: string,
  ) {
    super(`${reason}; the message returns in ${delaySeconds} s`);
  }
}

export interface BreakerPort {
  read(): Promise<BreakerState>;
  /** Writes `next` if the stored state is still `current` (its version); false when another worker wrote first. */
  write(next: BreakerState, current: BreakerState): Promise<boolean>;
}

/** What the provider is told of a call besides the charge: its number for the order, and the breaker state behind it. */
export interface CallContext {
  /** The call's number for the order over all its deliveries (1, 2, ...). */
  readonly attempt: number;
  /** CLOSED, or HALF_OPEN for the one probe this worker holds. */
  readonly breaker: BreakerStatus;
  /** The version of the breaker state behind the call (what it read, or the probe it wrote). */
  readonly breakerVersion: number;
}

export interface PaymentPorts {
  readonly breaker: BreakerPort;
  /**
   * The provider call, keyed by order id: a charge is made at most once per order. `call` numbers
   * the calls for the order over all its deliveries and says which breaker state let it through.
   */
  charge(orderId: string, amountCents: number, call: CallContext): Promise<PaymentResult>;
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
  /** Reports a breaker transition this worker wrote, and each retry with its delay. */
  onTransition(from: BreakerState, to: BreakerState): void;
  onRetry(retry: number, delayMs: number, error: Error): void;
}

export interface PaymentPolicy {
  readonly breaker: BreakerPolicy;
  /** In-process retries after the first call. */
  readonly retries: number;
  readonly backoff: BackoffPolicy;
  readonly redelivery: RedeliveryPolicy;
}

/**
 * Charges one order through the pool-wide breaker. While the breaker is open the provider is not
 * called and the message comes back when the cool-down ends; a transient error is retried in process
 * (each retry first checks the breaker again: another worker may have opened it meanwhile), then
 * counted by the breaker, and the message comes back later, later on each delivery, or after the
 * cool-down when this failure opened the breaker. Half-open, the one probe is a single call.
 */
export async function chargeThroughBreaker(
  order: { readonly orderId: string; readonly amountCents: number },
  receiveCount: number,
  ports: PaymentPorts,
  policy: PaymentPolicy,
): Promise<PaymentResult> {
  const state = await ports.breaker.read();
  const admission = admit(state, ports.now(), policy.breaker);
  if (admission.kind === 'wait') throw waitForBreaker(state, admission.delayMs);
  if (admission.kind === 'probe') {
    if (!(await ports.breaker.write(admission.next, state))) {
      throw new RetryLaterError(Math.ceil(policy.breaker.coolDownMs / 1000), 'another worker is probing the payment provider');
    }
    ports.onTransition(state, admission.next);
  }
  const admitted = admission.kind === 'probe' ? admission.next : state;
  const retries = admission.kind === 'probe' ? 0 : policy.retries;
  let result: PaymentResult;
  try {
    result = await withRetries(
      (retry, seen) =>
        ports.charge(order.orderId, order.amountCents, { attempt: providerAttempt(receiveCount, retry, policy), breaker: seen.status, breakerVersion: seen.version }),
      admitted,
      retries,
      policy,
      ports,
    );
  } catch (error) {
    if (!(error instanceof TransientProviderError)) throw error;
    const after = await updateBreaker(ports, (current) => afterFailure(current, ports.now(), policy.breaker));
    const delaySeconds =
      after.status === 'OPEN' ? coolDownSeconds(after.openUntil - ports.now()) : redeliveryDelaySeconds(receiveCount, policy.redelivery);
    throw new RetryLaterError(delaySeconds, `the payment provider failed: ${error.message}`);
  }
  await updateBreaker(ports, afterSuccess);
  return result;
}

/** Whole seconds of a visibility timeout that covers `ms` (at least 1). */
function coolDownSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function waitForBreaker(state: BreakerState, delayMs: number): RetryLaterError {
  return new RetryLaterError(coolDownSeconds(delayMs), `the payment breaker is ${state.status}`);
}

/**
 * The number of a provider call over all deliveries of an order: delivery `receiveCount` makes calls
 * (receiveCount - 1) x (retries + 1) + 1 onwards, `retry` 0 being its first.
 */
export function providerAttempt(receiveCount: number, retry: number, policy: Pick<PaymentPolicy, 'retries'>): number {
  return (receiveCount - 1) * (policy.retries + 1) + retry + 1;
}

async function withRetries(
  call: (retry: number, seen: BreakerState) => Promise<PaymentResult>,
  admitted: BreakerState,
  retries: number,
  policy: PaymentPolicy,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  let seen = admitted;
  for (let retry = 0; ; retry += 1) {
    try {
      return await call(retry, seen);
    } catch (error) {
      if (!(error instanceof TransientProviderError) || retry >= retries) throw error;
      const delayMs = retryDelayMs(retry + 1, policy.backoff, ports.random);
      ports.onRetry(retry + 1, delayMs, error);
      await ports.sleep(delayMs);
      // A retry is a call like the first: it goes only through a breaker that is still closed.
      seen = await ports.breaker.read();
      if (seen.status !== 'CLOSED') {
        const admission = admit(seen, ports.now(), policy.breaker);
        throw waitForBreaker(seen, admission.kind === 'wait' ? admission.delayMs : 0);
      }
    }
  }
}

/**
 * Applies a transition to the shared state, re-reading when another worker wrote in between; returns
 * the state it left (the one read when nothing needed writing).
 */
async function updateBreaker(ports: PaymentPorts, next: (state: BreakerState) => BreakerState | undefined): Promise<BreakerState> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await ports.breaker.read();
    const wanted = next(current);
    if (wanted === undefined) return current;
    if (await ports.breaker.write(wanted, current)) {
      if (wanted.status !== current.status) ports.onTransition(current, wanted);
      return wanted;
    }
  }
  throw new Error('the payment breaker kept changing under this worker (5 conflicting writes): the message returns to the queue');
}
