import { failureRateOption } from '../../../../labs/modules/orders';
import { renderOrders } from '../../../../labs/report/orders';
import { PLAIN } from '../../../../labs/report/style';
import { ordersObservationsOf, ordersVerdict, percentile, stockAccount, type OrdersObservations } from '../../../../labs/scenarios/orders/main';
import { crashedOrderIds, planOrders, plannedOrderIds } from '../../../../labs/scenarios/orders/plan';
import type { OrderRecord } from '../../../../labs/scenarios/orders/tables';
import type { Compensation, InventoryResult } from '../../../../lambda/orders/saga';

/**
 * A default run of 20 orders as it should end: 17 confirmed, 2 declined, 1 refused (its charge
 * refunded); `crashed` of the charged orders crashed their payment worker after the charge, and the
 * provider answered each of them `crashedCalls` times.
 */
function healthyRun(crashed = 0, crashedCalls = 2): OrdersObservations {
  const plan = planOrders('ab12cd34', 20);
  const ids = plannedOrderIds(plan);
  const [book, lamp] = Object.keys(plan.stock) as [string, string];
  const orders: OrderRecord[] = plan.orders.map((o, i) => {
    const declined = plan.declined.includes(o.key);
    const refused = i === 0;
    const base = { orderId: ids[i]!, placedAt: 1000, finishedAt: 1000 + (i + 1) * 100, items: o.request.items, compensated: [] as Compensation[] };
    if (declined) return { ...base, status: 'REJECTED', payment: 'DECLINED', inventory: 'RESERVED', reason: 'payment declined', compensated: ['RELEASE_STOCK'] };
    if (refused) return { ...base, status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED', reason: 'inventory refused: not enough stock', compensated: ['REFUND'] };
    return { ...base, status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED' };
  });
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId);
  const crashedIds = crashedOrderIds(plan, crashed);
  const calls = (orderId: string) => (crashedIds.includes(orderId) ? crashedCalls : 1);
  return ordersObservationsOf({
    runId: 'ab12cd34',
    plan,
    options: { orders: 20, paymentFailureRate: 0.2 },
    placed: plan.orders.map((o, i) => ({ key: o.key, status: 201, orderId: ids[i]!, correlationId: `corr-${o.key}`, requests: 1, retried: [], acceptedAt: 1000 })),
    orders,
    charges: orders.flatMap((o) =>
      o.payment === 'DECLINED'
        ? [{ orderId: o.orderId, status: 'DECLINED', amountCents: 2, calls: 1 }]
        : [{ orderId: o.orderId, status: o.status === 'CONFIRMED' ? 'CHARGED' : 'REFUNDED', amountCents: 1, calls: calls(o.orderId) }],
    ),
    crashed: crashedIds,
    stock: [
      { sku: book, stock: 3, holders: confirmed },
      { sku: lamp, stock: 0, holders: confirmed },
    ],
    notified: 20,
    deadLettered: 0,
    poolSize: 3,
    elapsedMs: 5000,
    timeoutMs: 90_000,
    timedOut: false,
  });
}

describe('ordersVerdict', () => {
  test('holds for a run where every order ended once with its charge and stock', () => {
    const o = healthyRun();
    expect([o.confirmed, o.rejected, o.charges, o.refunds, o.heldByRejected]).toEqual([17, 3, 17, 1, 0]);
    expect(o.stock).toEqual({ initial: 37, reserved: 36, released: 2, final: 3, wentNegative: false });
    expect(o.rejections).toEqual({ 'payment declined': 2, 'inventory refused: not enough stock': 1 });
    expect(ordersVerdict(o)).toEqual({ ok: true, failures: [] });
  });

  test.each<[string, Partial<OrdersObservations>, RegExp]>([
    ['an order is not accepted', { accepted: 19, notified: 19, retriedAnswers: { '503': 7 } }, /^19 of 20 orders were accepted by the API \(retried answers by status: \{"503":7\}\)$/],
    ['the deadline passes', { timedOut: true, pending: 2, confirmed: 15 }, /the deadline of 90 s passed with 2 order\(s\) not terminal/],
    ['a confirmed order has no charge', { charges: 16, chargeMismatches: 1 }, /16 standing charge\(s\) for 17 confirmed order\(s\)/],
    ['a rejected order keeps its charge', { heldByRejected: 1 }, /1 rejected order\(s\) still hold a charge or stock/],
    ['stock goes negative', { stock: { initial: 37, reserved: 36, released: 2, final: 3, wentNegative: true } }, /stock went below zero/],
    ['stock does not add up', { stock: { initial: 37, reserved: 36, released: 2, final: 4, wentNegative: false } }, /37 initial - 36 reserved \+ 2 released is not the 4 left/],
    ['an e-mail is missing', { notified: 19 }, /19 e-mail\(s\) recorded for 20 accepted order\(s\)/],
    ['an order is dead-lettered', { deadLettered: 1 }, /1 order message\(s\) reached a dead-letter queue/],
    ['the outcome differs from the plan', { confirmed: 18, rejected: 2, charges: 18 }, /18 confirmed and 2 rejected, expected 17 and 3/],
  ])('fails if %s', (_name, change, message) => {
    const verdict = ordersVerdict({ ...healthyRun(), ...change });
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });
});

describe('a run with crashes after the charge', () => {
  test('holds when every crashed order was answered twice by the provider and charged once', () => {
    const o = healthyRun(3);
    expect([o.providerCalls, o.crashes]).toEqual([23, { orders: 3, redelivered: 3, providerCalls: 6, charges: 3 }]);
    expect(ordersVerdict(o)).toEqual({ ok: true, failures: [] });
  });

  test('fails if a crashed order was never called again', () => {
    const verdict = ordersVerdict(healthyRun(2, 1));
    expect(verdict.failures).toEqual([
      '0 of the 2 order(s) that crashed their payment worker were called again after the crash (the queue redelivers a crashed batch after its visibility timeout)',
    ]);
  });

  test('fails if a crashed order holds no charge', () => {
    const o = healthyRun(2);
    expect(ordersVerdict({ ...o, crashes: { ...o.crashes, charges: 1 } }).failures).toEqual([
      "1 of the 2 order(s) that crashed their payment worker after the charge hold one charge in the provider's ledger",
    ]);
  });

  test('the crashing orders are the first the provider charges; more than it charges is refused', () => {
    const plan = planOrders('ab12cd34', 20);
    const ids = plannedOrderIds(plan);
    expect(crashedOrderIds(plan, 2)).toEqual([ids[0], ids[1]]);
    expect(crashedOrderIds(plan, 18)).not.toContain(ids[9]);
    expect(() => crashedOrderIds(plan, 19)).toThrow(/^19 orders cannot crash after their charge: the provider charges only 18 of the 20 orders$/);
  });
});

describe('stock and latency arithmetic', () => {
  test('reserved counts the units of orders whose inventory side reserved; released those given back', () => {
    const order = (inventory: InventoryResult | undefined, compensated: Compensation[]): OrderRecord => ({
      orderId: 'x',
      status: 'REJECTED',
      ...(inventory ? { inventory } : {}),
      compensated,
      placedAt: 0,
      items: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }],
    });
    expect(stockAccount({ stock: { A: 10, B: 10 } }, [order('RESERVED', []), order('RESERVED', ['RELEASE_STOCK']), order('REFUSED', []), order(undefined, [])], [
      { sku: 'A', stock: 8, holders: [] },
      { sku: 'B', stock: -1, holders: [] },
    ])).toEqual({ initial: 20, reserved: 10, released: 5, final: 7, wentNegative: true });
  });

  test.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
    [[10, 1, 5], 50, 5],
  ])('percentile of %j at p%i is %i (nearest rank)', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('latency runs from the API\'s acceptance to the order\'s terminal write', () => {
    // finishedAt 1100..3000 ms, accepted at 1000: 100..2000 ms.
    expect(healthyRun().latencyMs).toEqual({ p50: 1000, p99: 2000 });
  });
});

describe('renderOrders', () => {
  test('shows the outcome table, the rejections and the stock accounting', () => {
    const text = renderOrders(healthyRun(), PLAIN);
    expect(text).toContain('17 (expected 17)');
    expect(text).toContain('  2 x payment declined');
    expect(text).toContain('  1 x inventory refused: not enough stock');
    expect(text).toMatch(/units\s*│\s*37\s*│\s*36\s*│\s*2\s*│\s*3\s*│\s*false/);
    expect(text).toContain('Every order ended in one terminal state');
  });

  test('says what the provider answered the orders that crashed their worker after the charge', () => {
    expect(renderOrders(healthyRun(2), PLAIN)).toContain(
      'Crashed after the charge: 2 order(s), 2 redelivered; the provider answered them 4 times and holds 2 charge(s) for them (22 provider calls answered in all).',
    );
    expect(renderOrders(healthyRun(), PLAIN)).not.toContain('Crashed after the charge');
  });

  test('says when the run did not end exactly once', () => {
    expect(renderOrders({ ...healthyRun(), heldByRejected: 1 }, PLAIN)).toContain('Not every order ended exactly once');
  });
});

describe('--payment-failure-rate', () => {
  test.each([['0', 0], ['0.2', 0.2], ['0.5', 0.5], [' 0.25 ', 0.25]])('accepts %j as %d', (text, rate) => {
    expect(failureRateOption(text)).toBe(rate);
  });

  test.each(['0.6', '-0.1', 'abc', '', '20%', '1e-1'])('fails if it is %j', (text) => {
    expect(() => failureRateOption(text)).toThrow(/^--payment-failure-rate must be a number from 0 to 0.5 \(a share of provider calls, e.g. 0.2\), but '.*' was given$/);
  });
});
