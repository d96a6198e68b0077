import { PoisonMessageError, blockedGroups, maxGroupsInFlight, orderViolations, receiveSequenced, type OrderingPorts } from '../../../lambda/delivery/ordering-core';

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

describe('maxGroupsInFlight', () => {
  const span = (group: string, startedAt: number, endedAt: number) => ({ group, startedAt, endedAt });
  it.each([
    ['nothing', [], 0],
    ['one group, back to back', [span('a', 0, 10), span('a', 10, 20)], 1],
    ['two groups overlapping', [span('a', 0, 10), span('b', 5, 15)], 2],
    ['two groups one after the other', [span('a', 0, 10), span('b', 10, 20)], 1],
    ['three groups, two at a time', [span('a', 0, 10), span('b', 5, 15), span('c', 12, 20)], 2],
    ['one group twice at once counts once', [span('a', 0, 10), span('a', 2, 8), span('b', 3, 4)], 2],
  ])('%s: %i', (_name, spans, expected) => {
    expect(maxGroupsInFlight(spans)).toBe(expected);
  });
});

describe('blockedGroups', () => {
  const start = (group: string, startedAt: number) => ({ group, startedAt });
  it.each([
    ['nothing', [], []],
    ['groups processed without a pause', [start('a', 0), start('b', 5), start('a', 60), start('b', 70)], []],
    ['a gap just under the threshold', [start('a', 0), start('a', 999)], []],
    ['a gap of exactly the threshold', [start('a', 0), start('a', 1_000)], ['a']],
    ['only the group that waited, whatever the order the starts are given in', [start('b', 3_000), start('a', 10), start('b', 0), start('a', 50)], ['b']],
    ['a single message never counts', [start('a', 0), start('b', 5_000)], []],
  ])('%s: %j', (_name, starts, expected) => {
    expect(blockedGroups(starts, 1_000)).toEqual(expected);
  });
});

describe('receiveSequenced', () => {
  function ports(recorded: unknown[]): OrderingPorts {
    let clock = 100;
    return { now: () => clock, work: async () => void (clock += 25), recordArrival: async (arrival) => void recorded.push(arrival) };
  }

  it('works an ordinary message and records its processing interval', async () => {
    const recorded: unknown[] = [];
    await receiveSequenced({ runId: 'r', group: 'g', seq: 4, poison: false }, ports(recorded));
    expect(recorded).toEqual([{ runId: 'r', group: 'g', seq: 4, startedAt: 100, endedAt: 125 }]);
  });

  it('fails a poisoned message without recording it', async () => {
    const recorded: unknown[] = [];
    await expect(receiveSequenced({ runId: 'r', group: 'g', seq: 2, poison: true }, ports(recorded))).rejects.toThrow(PoisonMessageError);
    expect(recorded).toEqual([]);
  });
});
