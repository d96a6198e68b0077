import { fanoutVerdict, makeOrders, orderFromBody, type QueueObservation } from '../../../labs/scenarios/fanout';

const queue = (over: Partial<QueueObservation>): QueueObservation => ({
  name: 'analytics',
  filter: 'every order',
  received: 5,
  expected: 5,
  unexpected: 0,
  duplicates: 0,
  orderIds: [],
  deadLetterDepth: 0,
  subscriptionDeadLetterDepth: 0,
  ...over,
});

describe('fanoutVerdict', () => {
  const notification = queue({ name: 'notification', filter: 'amount >= 100', received: 3, expected: 3 });

  test.each([
    ['every queue got what its filter admits', [queue({}), queue({ name: 'inventory' }), notification], false, []],
    ['a queue missed an order', [queue({ received: 4 }), notification], false, [/analytics queue received 4 .* expected 5/]],
    [
      'the filter let through an order below the threshold',
      [queue({}), { ...notification, received: 4, unexpected: 1 }],
      false,
      [/notification queue received 4 .* expected 3 \(amount >= 100\)/, /1 order\(s\) its filter .* should have dropped/],
    ],
    [
      'SNS dead-lettered a delivery to the queue',
      [queue({ subscriptionDeadLetterDepth: 2 })],
      false,
      [/^SNS dead-lettered 2 delivery\(ies\) to the analytics queue: check that the queue exists .* purge its subscription dead-letter queue$/],
    ],
    ['deliveries were missing at the deadline', [queue({ received: 0 })], true, [/received 0/, /still missing when the wait ended/]],
  ] as const)('%s', (_name, queues, timedOut, expected) => {
    const verdict = fanoutVerdict({ queues, timedOut });
    expect(verdict.ok).toBe(expected.length === 0);
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
  });
});

describe('makeOrders', () => {
  test('amounts step around the threshold, the middle order exactly at it', () => {
    const orders = makeOrders('run1', 5, 100, new Date('2026-01-01T00:00:00Z'));
    expect(orders.map((o) => o.amount)).toEqual([60, 80, 100, 120, 140]);
    expect(orders.map((o) => o.orderId)).toEqual(['ORD-run1-1000', 'ORD-run1-1001', 'ORD-run1-1002', 'ORD-run1-1003', 'ORD-run1-1004']);
    expect(orders.filter((o) => o.amount >= 100)).toHaveLength(3);
  });

  test('amounts stay positive for many orders and a single order is admitted', () => {
    expect(makeOrders('r', 50, 10).every((o) => o.amount > 0)).toBe(true);
    expect(makeOrders('r', 1, 25)[0]?.amount).toBe(25);
  });
});

describe('orderFromBody', () => {
  const order = { orderId: 'ORD-x-1000', amount: 60, timestamp: 't', items: [] };

  test('reads a raw-delivered order and an order inside an SNS envelope', () => {
    expect(orderFromBody(JSON.stringify(order))).toEqual(order);
    expect(orderFromBody(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(order) }))).toEqual(order);
  });

  test('ignores bodies that are not orders', () => {
    expect(orderFromBody('not json')).toBeUndefined();
    expect(orderFromBody(JSON.stringify({ taskId: 'x' }))).toBeUndefined();
    expect(orderFromBody(undefined)).toBeUndefined();
  });
});
