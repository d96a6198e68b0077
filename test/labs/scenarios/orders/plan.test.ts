import { orderIdFor } from '../../../../lambda/orders/intake-core';
import { orderRequestSchema } from '../../../../lambda/orders/schemas';
import { DECLINE_ABOVE_CENTS } from '../../../../lambda/orders/provider';
import { orderKey, planOrders, plannedOrderIds } from '../../../../labs/scenarios/orders/plan';

describe('planOrders', () => {
  test.each([
    // orders, declined, contending, scarce units, confirmed, rejected
    [1, 0, 1, 1, 1, 0],
    [5, 0, 5, 5, 5, 0],
    [20, 2, 18, 17, 17, 3],
    [1000, 100, 900, 810, 810, 190],
  ])('%i orders: %i declined, %i contending for %i units: %i confirmed, %i rejected', (count, declined, contending, scarce, confirmed, rejected) => {
    const plan = planOrders('ab12cd34', count);
    expect(plan.orders).toHaveLength(count);
    expect([plan.declined.length, plan.contending, plan.scarceUnits]).toEqual([declined, contending, scarce]);
    expect(plan.expected).toEqual({ confirmed, rejected });
    expect(plan.stock).toEqual({ 'AB12CD34-BOOK': count, 'AB12CD34-LAMP': scarce });
  });

  test('every planned order is a valid request; declined ones are over the limit and leave the scarce SKU alone', () => {
    const plan = planOrders('ab12cd34', 20);
    for (const order of plan.orders) {
      expect(orderRequestSchema.safeParse(order.request).success).toBe(true);
      const declined = plan.declined.includes(order.key);
      expect(order.request.amountCents > DECLINE_ABOVE_CENTS).toBe(declined);
      expect(order.request.items.map((i) => i.sku)).toEqual(declined ? ['AB12CD34-BOOK'] : ['AB12CD34-BOOK', 'AB12CD34-LAMP']);
    }
    expect(plan.declined).toEqual([orderKey('ab12cd34', 9), orderKey('ab12cd34', 19)]);
  });

  test('the order ids are the ones the intake derives from the keys', () => {
    const plan = planOrders('ab12cd34', 3);
    expect(plannedOrderIds(plan)).toEqual(plan.orders.map((o) => orderIdFor(o.key)));
    expect(new Set(plannedOrderIds(plan)).size).toBe(3);
  });
});
