import { renderServices } from '../../../../labs/report/orders';
import { isRepeat, plannedPaymentRetries, replayedPaymentRetries, serviceFailures, serviceObservations, unrecordedDeliveries, type LedgerRecord } from '../../../../labs/scenarios/orders/services';
import type { DeliveryEntry } from '../../../../lambda/orders/ledger';
import { failsTransiently } from '../../../../lambda/orders/provider';

const POLICY = { retries: 2, redeliveryBaseSeconds: 2, maxReceiveCount: 6 };

function delivery(workerId: string, receiveCount: number, more: Partial<DeliveryEntry> = {}): DeliveryEntry {
  return {
    workerId,
    messageId: `m-${receiveCount}`,
    receiveCount,
    receivedAt: '2026-12-02T10:00:00.000Z',
    finishedAt: '2026-12-02T10:00:00.050Z',
    outcome: 'done',
    retryDelaysMs: [],
    ...more,
  };
}

/** Order ids whose provider calls, under rate 0.2, fail in a chosen pattern (found by the provider's own hash). */
function orderWhoseCalls(pattern: readonly boolean[]): string {
  for (let i = 0; ; i += 1) {
    const id = `order-${i}`;
    if (pattern.every((fails, k) => failsTransiently(id, k + 1, 0.2) === fails)) return id;
  }
}

describe('plannedPaymentRetries', () => {
  test('no failure: no retry, no redelivery', () => {
    expect(plannedPaymentRetries([orderWhoseCalls([false])], 0.2, POLICY)).toEqual({ retries: 0, redeliveries: 0, visibilityDelaysSeconds: [] });
  });

  test('a first call that fails is retried once in process', () => {
    expect(plannedPaymentRetries([orderWhoseCalls([true, false])], 0.2, POLICY)).toEqual({ retries: 1, redeliveries: 0, visibilityDelaysSeconds: [] });
  });

  test('three failing calls use up the delivery: 2 retries, then the message returns after 2 s, and the 4th call (delivery 2) charges', () => {
    expect(plannedPaymentRetries([orderWhoseCalls([true, true, true, false])], 0.2, POLICY)).toEqual({ retries: 2, redeliveries: 1, visibilityDelaysSeconds: [2] });
  });

  test('sums over orders, and a rate of 0 plans nothing', () => {
    const ids = [orderWhoseCalls([true, false]), orderWhoseCalls([true, true, false])];
    expect(plannedPaymentRetries(ids, 0.2, POLICY)).toEqual({ retries: 3, redeliveries: 0, visibilityDelaysSeconds: [] });
    expect(plannedPaymentRetries(ids, 0, POLICY)).toEqual({ retries: 0, redeliveries: 0, visibilityDelaysSeconds: [] });
  });

  test('a provider that always fails: every delivery fails, the last one dead-letters (no redelivery after it)', () => {
    expect(plannedPaymentRetries(['order-x'], 1, POLICY)).toEqual({ retries: 12, redeliveries: 5, visibilityDelaysSeconds: [2, 4, 8, 16, 32, 64] });
  });
});

describe('replayedPaymentRetries and unrecordedDeliveries', () => {
  test('replay each recorded delivery at its own receive count: a first receive that never ran shifts the calls', () => {
    // Calls 1-3 fail and 4 succeeds: at receive count 1 that is a failed delivery and a second that charges;
    // recorded only at receive count 2 (the first timed out starting), it is one delivery that charges at once.
    const id = orderWhoseCalls([true, true, true, false]);
    const recordedBoth: LedgerRecord = { orderId: id, service: 'payment', deliveries: [delivery('env-a', 1), delivery('env-a', 2)] };
    const recordedSecond: LedgerRecord = { orderId: id, service: 'payment', deliveries: [delivery('env-a', 2)] };
    expect(replayedPaymentRetries([recordedBoth], 0.2, POLICY)).toEqual({ retries: 2, failedDeliveries: 1 });
    expect(replayedPaymentRetries([recordedSecond], 0.2, POLICY)).toEqual({ retries: 0, failedDeliveries: 0 });
    expect(unrecordedDeliveries([recordedBoth])).toBe(0);
    expect(unrecordedDeliveries([recordedSecond])).toBe(1);
  });
});

describe('serviceObservations', () => {
  const records: LedgerRecord[] = [
    { orderId: 'o1', service: 'payment', deliveries: [delivery('env-a', 1, { outcome: 'failed', retryDelaysMs: [40, 150], visibilityDelaySeconds: 2 }), delivery('env-b', 2, { effect: 'CHARGED' })] },
    { orderId: 'o2', service: 'payment', deliveries: [delivery('env-b', 1, { retryDelaysMs: [70], effect: 'transient-failure,CHARGED' })] },
    { orderId: 'o1', service: 'notification', deliveries: [delivery('env-c', 1, { effect: 'sent' }), delivery('env-c', 1, { effect: 'already-sent' })] },
    { orderId: 'o2', service: 'notification', deliveries: [delivery('env-d', 1, { effect: 'sent' })] },
  ];

  test('counts per service: orders processed, tasks per worker, retries with their waits, redeliveries, repeats', () => {
    const expected = { retries: 3, redeliveries: 1, visibilityDelaysSeconds: [2] };
    const replayed = { retries: 3, failedDeliveries: 1 };
    const [payment, inventory, notification] = serviceObservations(records, { expected, replayed });
    expect(payment).toEqual({
      name: 'payment',
      processed: 2,
      deliveries: 3,
      workers: [
        { id: 'env-a', tasks: 1 },
        { id: 'env-b', tasks: 2 },
      ],
      retries: 3,
      redeliveries: 1,
      retryDelaysMs: [40, 70, 150],
      visibilityDelaysSeconds: [2],
      repeats: 0,
      failed: 1,
      unrecorded: 0,
      expected,
      replayed,
    });
    expect(inventory).toEqual({
      name: 'inventory',
      processed: 0,
      deliveries: 0,
      workers: [],
      retries: 0,
      redeliveries: 0,
      retryDelaysMs: [],
      visibilityDelaysSeconds: [],
      repeats: 0,
      failed: 0,
      unrecorded: 0,
    });
    expect(notification).toMatchObject({ processed: 2, deliveries: 3, workers: [{ id: 'env-c', tasks: 2 }, { id: 'env-d', tasks: 1 }], repeats: 1 });
  });

  test.each([
    [undefined, false],
    ['CHARGED', false],
    ['sent', false],
    ['already-sent', true],
    ['transient-failure,repeat', true],
  ])('effect %s is a repeat: %s', (effect, repeat) => {
    expect(isRepeat(effect)).toBe(repeat);
  });
});

describe('serviceFailures', () => {
  const services = serviceObservations(
    ['payment', 'inventory', 'notification'].map((service) => ({ orderId: 'o1', service, deliveries: [delivery('env-a', 1)] }) as LedgerRecord),
    { expected: { retries: 0, redeliveries: 0, visibilityDelaysSeconds: [] }, replayed: { retries: 0, failedDeliveries: 0 } },
  );

  test('none when every pool took every order and payment retried as planned', () => {
    expect(serviceFailures(services, 1)).toEqual([]);
  });

  test('names the pool that missed orders, and payment retries that differ from the hash and the plan', () => {
    const drifted = services.map((s) => (s.name === 'payment' ? { ...s, retries: 2, redeliveries: 1, failed: 1 } : s));
    expect(serviceFailures(drifted, 2)).toEqual([
      'the payment pool finished 1 of 2 order(s) by the ledger',
      "payment: 2 in-process retries, but the provider's failures call for 0",
      "payment: 1 failed deliveries, but the provider's failures call for 0",
      'payment: 2 retries and 1 redeliveries, planned 0 and 0',
      'the inventory pool finished 1 of 2 order(s) by the ledger',
      'the notification pool finished 1 of 2 order(s) by the ledger',
    ]);
  });

  test('a receive that left no entry (a cold start past the timeout) moves the plan, not the hash', () => {
    const late = services.map((s) => (s.name === 'payment' ? { ...s, redeliveries: 1, unrecorded: 1 } : s));
    expect(serviceFailures(late, 1)).toEqual([]);
  });
});

describe('renderServices', () => {
  test('one row per service with its workers, retries against the plan, and waits', () => {
    const text = renderServices(
      serviceObservations(
        [{ orderId: 'o1', service: 'payment', deliveries: [delivery('2026/12/02/[$LATEST]0123456789abcdef', 1, { retryDelaysMs: [88] })] }],
        { expected: { retries: 1, redeliveries: 0, visibilityDelaysSeconds: [] }, replayed: { retries: 1, failedDeliveries: 0 } },
      ),
    );
    expect(text).toContain('Per service');
    const payment = text.split('\n').find((line) => line.includes('payment'))!;
    expect(payment).toMatch(/…89abcdef: 1/);
    expect(payment).toMatch(/1 \(expected 1\)/);
    expect(payment).toMatch(/88 ms/);
    expect(text.split('\n').find((line) => line.includes('inventory'))).toMatch(/inventory\W+0\W+0\W+-/);
  });
});
