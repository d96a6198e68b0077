import { settle, type FanInPorts, type SideResult } from '../../../lambda/orders/fan-in';
import type { Compensation, OrderProgress } from '../../../lambda/orders/saga';

/** The order item as the conditional updates of the orders table keep it. */
function orderTable(initial: OrderProgress) {
  let order: OrderProgress = initial;
  const undone: Compensation[] = [];
  const ports: FanInPorts = {
    read: async () => order,
    recordSide: async (_id, { side, result }: SideResult) => {
      if (order[side] === undefined) order = { ...order, [side]: result };
      return order;
    },
    finish: async (_id, to) => {
      if (order.status !== 'PLACED') return false;
      order = { ...order, status: to };
      return true;
    },
    compensate: async (_id, compensation) => {
      undone.push(compensation);
      order = { ...order, compensated: [...(order.compensated ?? []), compensation] };
    },
  };
  return { ports, undone, order: () => order };
}

describe('settle', () => {
  test.each<[string, OrderProgress, SideResult, OrderProgress['status'], Compensation[]]>([
    ['waits for the other side', { status: 'PLACED' }, { side: 'payment', result: 'CHARGED' }, 'PLACED', []],
    ['confirms on the second success', { status: 'PLACED', payment: 'CHARGED' }, { side: 'inventory', result: 'RESERVED' }, 'CONFIRMED', []],
    ['rejects and refunds when stock is refused after the charge', { status: 'PLACED', payment: 'CHARGED' }, { side: 'inventory', result: 'REFUSED' }, 'REJECTED', ['REFUND']],
    ['refunds a charge that lands after the rejection', { status: 'REJECTED', inventory: 'REFUSED' }, { side: 'payment', result: 'CHARGED' }, 'REJECTED', ['REFUND']],
    ['releases stock when the payment is declined', { status: 'PLACED', inventory: 'RESERVED' }, { side: 'payment', result: 'DECLINED' }, 'REJECTED', ['RELEASE_STOCK']],
  ])('%s', async (_name, initial, result, status, compensations) => {
    const table = orderTable(initial);
    await settle('order-1', result, table.ports);
    expect(table.order().status).toBe(status);
    expect(table.undone).toEqual(compensations);
  });

  test('ends an order once and undoes nothing twice when a side is redelivered', async () => {
    const table = orderTable({ status: 'PLACED', payment: 'CHARGED' });
    const first = await settle('order-1', { side: 'inventory', result: 'REFUSED' }, table.ports);
    const again = await settle('order-1', { side: 'inventory', result: 'REFUSED' }, table.ports);
    expect(first.finished).toBe('REJECTED');
    expect(again.finished).toBeUndefined();
    expect(table.undone).toEqual(['REFUND']);
  });

  test('takes the first answer of a side, not a redelivery\'s different one', async () => {
    const table = orderTable({ status: 'PLACED', payment: 'DECLINED' });
    await settle('order-1', { side: 'payment', result: 'CHARGED' }, table.ports);
    expect(table.order().payment).toBe('DECLINED');
  });
});
