import { renderDuplicates } from '../../../../labs/report/orders-duplicates';
import { PLAIN } from '../../../../labs/report/style';
import { duplicatesVerdict, retryAnswers, secondEffects, serviceCopies, type DuplicatesObservations } from '../../../../labs/scenarios/orders/duplicates';
import { ordersObservationsOf } from '../../../../labs/scenarios/orders/main';
import { planOrders, plannedOrderIds } from '../../../../labs/scenarios/orders/plan';
import type { LedgerRecord } from '../../../../labs/scenarios/orders/services';
import type { OrderRecord } from '../../../../labs/scenarios/orders/tables';
import type { DeliveryEntry } from '../../../../lambda/orders/ledger';
import type { Compensation } from '../../../../lambda/orders/saga';

const done = (effect?: string): DeliveryEntry => ({
  workerId: 'env-a',
  messageId: 'm',
  receiveCount: 1,
  receivedAt: '2026-12-02T10:00:00.000Z',
  finishedAt: '2026-12-02T10:00:00.010Z',
  outcome: 'done',
  retryDelaysMs: [],
  ...(effect ? { effect } : {}),
});

/** 10 orders (the 10th declined, its stock given back), each retried twice and redelivered once, with no second effect. */
function cleanRun(): DuplicatesObservations {
  const plan = planOrders('ab12cd34', 10);
  const ids = plannedOrderIds(plan);
  const [book, lamp] = Object.keys(plan.stock) as [string, string];
  const orders: OrderRecord[] = plan.orders.map((o, i) => {
    const base = { orderId: ids[i]!, placedAt: 1000, finishedAt: 1100, items: o.request.items, compensated: [] as Compensation[] };
    return plan.declined.includes(o.key)
      ? { ...base, status: 'REJECTED', payment: 'DECLINED', inventory: 'RESERVED', reason: 'payment declined', compensated: ['RELEASE_STOCK'] }
      : { ...base, status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED' };
  });
  const confirmed = ids.slice(0, 9);
  const placed = plan.orders.map((o, i) => ({ key: o.key, status: 201, orderId: ids[i]!, requests: 1, retried: [], acceptedAt: 1000 }));
  const observations = ordersObservationsOf({
    runId: 'ab12cd34',
    plan,
    options: { orders: 10, paymentFailureRate: 0 },
    placed,
    orders,
    charges: orders.map((o) => ({ orderId: o.orderId, status: o.payment === 'DECLINED' ? 'DECLINED' : 'CHARGED', amountCents: 1, calls: 1 })),
    stock: [
      { sku: book, stock: 1, holders: confirmed },
      { sku: lamp, stock: 0, holders: confirmed },
    ],
    notified: 10,
    deadLettered: 0,
    poolSize: 3,
    elapsedMs: 5000,
    timeoutMs: 90_000,
    timedOut: false,
  });
  const records: LedgerRecord[] = ids.flatMap((orderId) => [
    { orderId, service: 'payment', deliveries: [done('CHARGED'), done('repeat')] },
    { orderId, service: 'inventory', deliveries: [done('RESERVED'), done('RESERVED')] },
    { orderId, service: 'notification', deliveries: [done('sent'), done('already-sent')] },
  ]);
  const services = serviceCopies(records, 10);
  return { ...observations, clientRetries: 20, ...retryAnswers(placed, [placed, placed]), services, secondEffects: secondEffects(observations, services) };
}

describe('duplicatesVerdict', () => {
  test('holds when every retry got the first answer and every copy found its work done', () => {
    const o = cleanRun();
    expect([o.sameAnswers, o.distinctOrderIds, o.confirmed, o.rejected, o.charges]).toEqual([20, 10, 9, 1, 9]);
    expect(o.stock).toEqual({ initial: 19, reserved: 19, released: 1, final: 1, wentNegative: false });
    expect(o.services).toEqual([
      { name: 'payment', redelivered: 10, processedTwice: 10, repeats: 10 },
      { name: 'inventory', redelivered: 10, processedTwice: 10, repeats: 0 },
      { name: 'notification', redelivered: 10, processedTwice: 10, repeats: 10 },
    ]);
    expect(o.secondEffects).toEqual({ charges: 0, reservations: 0, emails: 0 });
    expect(duplicatesVerdict(o)).toEqual({ ok: true, failures: [] });
  });

  test('fails on a retry answered with another order', () => {
    const o = cleanRun();
    const other = [{ key: 'k', status: 201, orderId: 'another', requests: 1, retried: [] }];
    const answers = retryAnswers([{ key: 'k', status: 201, orderId: 'first', requests: 1, retried: [] }], [other]);
    expect(answers).toEqual({ sameAnswers: 0, distinctOrderIds: 2 });
    expect(duplicatesVerdict({ ...o, ...answers }).failures).toEqual(['0 of 20 retried request(s) got the first answer back', 'the API answered with 2 order id(s) for 10 order(s)']);
  });

  test('fails on a copy that was not processed, and on a second e-mail', () => {
    const o = cleanRun();
    const services = o.services.map((s) => (s.name === 'notification' ? { ...s, processedTwice: 9, repeats: 8 } : s));
    expect(duplicatesVerdict({ ...o, services, secondEffects: secondEffects(o, services) }).failures).toEqual([
      'the notification pool finished both copies of 9 of 10 redelivered order(s)',
      '8 notification cop(ies) found the work done, expected 10',
      'second effects: 0 charge(s), 0 reserved unit(s), 2 e-mail(s)',
    ]);
  });

  test('counts a reservation taken again after the release as a second effect', () => {
    // The declined order's copy took its unit of the plentiful SKU again: one unit fewer is left.
    const o = cleanRun();
    const leaked = { ...o, stock: { ...o.stock, final: 0 } };
    expect(secondEffects(leaked, o.services)).toEqual({ charges: 0, reservations: 1, emails: 0 });
  });
});

describe('renderDuplicates', () => {
  test('states the answers, the copies per service and that nothing happened twice', () => {
    const text = renderDuplicates(cleanRun(), PLAIN);
    expect(text).toContain('10 orders, 20 retried request(s) with the same Idempotency-Key: 20 got the first answer back, 10 order id(s) in all the answers.');
    expect(text.split('\n').find((line) => line.includes('notification'))).toMatch(/notification\W+10\W+10\W+10/);
    expect(text).toContain('No second order, charge, reservation or e-mail');
  });
});
