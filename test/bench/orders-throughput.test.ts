import { idealCompletions, MIN_SDK_CALLS_PER_ORDER, throughputFigure, throughputPlan } from '../../bench/orders-throughput';
import type { OrdersRun } from '../../labs/scenarios/orders/run';
import { plannedOrderIds } from '../../labs/scenarios/orders/plan';

describe('idealCompletions', () => {
  test.each<[string, number[], number, number, number[]]>([
    ['one server takes them in turn', [0, 0, 0], 1, 100, [100, 200, 300]],
    ['three servers take three at once', [0, 0, 0, 0], 3, 100, [100, 100, 100, 200]],
    ['an order accepted after the servers are free waits for nobody', [0, 500], 1, 100, [100, 600]],
  ])('%s', (_name, acceptedAt, servers, workMs, expected) => {
    expect(idealCompletions(acceptedAt, servers, workMs)).toEqual(expected);
  });
});

describe('throughputFigure', () => {
  /** 6 orders accepted at 0 ms, confirmed 100 ms apart; pools of 3 doing 100 ms each: ideal done at 100, 100, 100, 200, 200, 200. */
  function run(): OrdersRun {
    const plan = throughputPlan('ab12cd34', 6);
    const ids = plannedOrderIds(plan);
    const [book, pen] = Object.keys(plan.stock) as [string, string];
    return {
      runId: 'ab12cd34',
      plan,
      placed: plan.orders.map((o, i) => ({ key: o.key, status: 201, orderId: ids[i]!, requests: 1, retried: [], acceptedAt: 1000 })),
      orders: ids.map((orderId, i) => ({ orderId, status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED', compensated: [], placedAt: 1000, finishedAt: 1100 + i * 100, items: plan.orders[i]!.request.items })),
      charges: ids.map((orderId) => ({ orderId, status: 'CHARGED', amountCents: 1000, calls: 1 })),
      stock: [
        { sku: book, stock: 0, holders: ids },
        { sku: pen, stock: 0, holders: ids },
      ],
      crashed: [],
      notified: 6,
      deadLettered: 0,
      poolSize: 3,
      startedAt: 1000,
      elapsedMs: 700,
      timeoutMs: 60_000,
      timedOut: false,
    };
  }

  test('every order confirmable: 2 SKUs each with stock for all, none declined', () => {
    const plan = throughputPlan('ab12cd34', 6);
    expect(plan.expected).toEqual({ confirmed: 6, rejected: 0 });
    expect(Object.values(plan.stock)).toEqual([6, 6]);
    expect(plan.orders.every((o) => o.request.items.length === 2)).toBe(true);
  });

  test('measures the run against the ideal of its pools, and the SDK calls counted over it', () => {
    const before = { intake: { 'dynamodb:PutItem': 10 }, payment: {}, inventory: {}, notification: {} };
    const after = {
      intake: { 'dynamodb:PutItem': 22, 'dynamodb:UpdateItem': 6, sns: 6 },
      // Payment and inventory also append each delivery to the ledger; payment each call to the provider's call log.
      payment: { 'dynamodb:GetItem': 12, 'dynamodb:PutItem': 6, 'dynamodb:UpdateItem': 21 },
      inventory: { 'dynamodb:UpdateItem': 27 },
      notification: { 'dynamodb:PutItem': 6, 'dynamodb:UpdateItem': 6 },
    };
    const f = throughputFigure(run(), { orders: 6, workMs: 100 }, before, after);
    expect(f).toEqual(
      expect.objectContaining({
        confirmed: 6,
        measuredSeconds: 0.6,
        idealSeconds: 0.2,
        ordersPerSecond: 10,
        idealOrdersPerSecond: 30,
        ratio: 3,
        latencyMs: { p50: 300, p99: 600 },
        idealLatencyMs: { p50: 100, p99: 200 },
        latencyRatio: { p50: 3, p99: 3 },
        sdkCallsPerOrder: 17,
        minSdkCallsPerOrder: 16,
        sdkCallRatio: 1.06,
        sdkCallsByFunction: { intake: 4, payment: 6.5, inventory: 4.5, notification: 2 },
        verdictOk: true,
        meets: false,
      }),
    );
    expect(Object.values(MIN_SDK_CALLS_PER_ORDER).reduce((a, b) => a + b, 0)).toBe(16);
  });
});
