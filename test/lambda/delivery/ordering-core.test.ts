import { PoisonMessageError, orderViolations, receiveSequenced } from '../../../lambda/delivery/ordering-core';

const arrivals = (text: string) => text.split(' ').filter(Boolean).map((item) => ({ group: item[0] ?? '', seq: Number(item.slice(1)) }));

describe('orderViolations', () => {
  it.each([
    ['', {}],
    ['a0 a1 a2 b0 b1', { a: 0, b: 0 }],
    ['a1 a0 a2', { a: 1 }],
    ['a2 a1 a0 b0', { a: 2, b: 0 }],
    ['a0 b1 a1 b0 a3 a2', { a: 1, b: 1 }],
  ])('counts the overtaken arrivals of %j', (text, expected) => {
    expect(Object.fromEntries(orderViolations(arrivals(text)))).toEqual(expected);
  });
});

describe('receiveSequenced', () => {
  it('records an ordinary message', async () => {
    const recorded: number[] = [];
    await receiveSequenced({ runId: 'r', group: 'g', seq: 4, poison: false }, { recordArrival: async (m) => void recorded.push(m.seq) });
    expect(recorded).toEqual([4]);
  });

  it('fails a poisoned message without recording it', async () => {
    const recorded: number[] = [];
    await expect(
      receiveSequenced({ runId: 'r', group: 'g', seq: 2, poison: true }, { recordArrival: async (m) => void recorded.push(m.seq) }),
    ).rejects.toThrow(PoisonMessageError);
    expect(recorded).toEqual([]);
  });
});
