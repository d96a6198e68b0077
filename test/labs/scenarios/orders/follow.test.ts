import { isSettled, isTerminal } from '../../../../labs/scenarios/orders/follow';
import type { OrderRecord } from '../../../../labs/scenarios/orders/tables';

const order = (change: Partial<OrderRecord>): OrderRecord => ({ orderId: 'o-1', status: 'PLACED', compensated: [], placedAt: 0, items: [], ...change });

describe('an order is settled once nothing about it can still change', () => {
  test('a confirmed order is settled', () => {
    expect(isSettled(order({ status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED' }))).toBe(true);
  });

  test('a placed order, or none read yet, is not', () => {
    expect(isSettled(undefined)).toBe(false);
    expect(isSettled(order({ payment: 'CHARGED', inventory: 'RESERVED' }))).toBe(false);
  });

  test('a rejected order whose other side has not answered yet is terminal but not settled', () => {
    const declinedFirst = order({ status: 'REJECTED', payment: 'DECLINED', reason: 'payment declined' });
    expect(isTerminal(declinedFirst)).toBe(true);
    expect(isSettled(declinedFirst)).toBe(false);
  });

  test('a rejected order still holding its reserved stock or its charge is not settled until that is undone', () => {
    expect(isSettled(order({ status: 'REJECTED', payment: 'DECLINED', inventory: 'RESERVED' }))).toBe(false);
    expect(isSettled(order({ status: 'REJECTED', payment: 'DECLINED', inventory: 'RESERVED', compensated: ['RELEASE_STOCK'] }))).toBe(true);
    expect(isSettled(order({ status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED' }))).toBe(false);
    expect(isSettled(order({ status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED', compensated: ['REFUND'] }))).toBe(true);
  });

  test('a rejected order with nothing to undo is settled', () => {
    expect(isSettled(order({ status: 'REJECTED', payment: 'DECLINED', inventory: 'REFUSED' }))).toBe(true);
  });
});
