import { decide, type OrderProgress, type SagaDecision } from '../../../lambda/orders/saga';

describe('decide', () => {
  test.each<[string, OrderProgress, SagaDecision]>([
    ['waits while a side has not answered', { status: 'PLACED', payment: 'CHARGED' }, { compensations: [] }],
    ['confirms when both sides succeeded', { status: 'PLACED', payment: 'CHARGED', inventory: 'RESERVED' }, { transition: { to: 'CONFIRMED' }, compensations: [] }],
    [
      'rejects on refused stock and refunds the charge',
      { status: 'PLACED', payment: 'CHARGED', inventory: 'REFUSED' },
      { transition: { to: 'REJECTED', reason: 'inventory refused: not enough stock' }, compensations: ['REFUND'] },
    ],
    [
      'rejects on a declined payment and releases the stock',
      { status: 'PLACED', payment: 'DECLINED', inventory: 'RESERVED' },
      { transition: { to: 'REJECTED', reason: 'payment declined' }, compensations: ['RELEASE_STOCK'] },
    ],
    [
      'rejects at once on the first refusal, with nothing to undo yet',
      { status: 'PLACED', inventory: 'REFUSED' },
      { transition: { to: 'REJECTED', reason: 'inventory refused: not enough stock' }, compensations: [] },
    ],
    ['undoes a charge that arrives after the rejection', { status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED' }, { compensations: ['REFUND'] }],
    ['undoes nothing twice', { status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED', compensated: ['REFUND'] }, { compensations: [] }],
    ['leaves a confirmed order alone', { status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED' }, { compensations: [] }],
    ['rejects with nothing to undo when both sides refused', { status: 'PLACED', payment: 'DECLINED', inventory: 'REFUSED' }, { transition: { to: 'REJECTED', reason: 'inventory refused: not enough stock' }, compensations: [] }],
  ])('%s', (_name, order, expected) => {
    expect(decide(order)).toEqual(expected);
  });
});
