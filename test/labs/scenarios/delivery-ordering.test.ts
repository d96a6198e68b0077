import { expectedSequence, observeQueue, orderingMessages, orderingVerdict, type QueueOrdering } from '../../../labs/scenarios/delivery-ordering';

const messages = orderingMessages('r', { groups: 3, perGroup: 4 });
const arrival = (seq: number, startedAt: number) => ({ seq, startedAt, endedAt: startedAt + 50 });

describe('orderingMessages', () => {
  it('poisons the second message of the first group only', () => {
    expect(messages.filter((m) => m.poison)).toEqual([{ runId: 'r', group: 'g0', seq: 1, poison: true }]);
    expect(messages).toHaveLength(12);
    expect(expectedSequence(messages, 'g0')).toEqual([0, 2, 3]);
    expect(expectedSequence(messages, 'g1')).toEqual([0, 1, 2, 3]);
  });
});

describe('observeQueue', () => {
  it('sees FIFO order kept, several groups at once, and only the poisoned group held back', () => {
    const arrivals = new Map([
      ['g0', [arrival(0, 0), arrival(2, 25_000), arrival(3, 25_060)]],
      ['g1', [arrival(0, 10), arrival(1, 70), arrival(2, 130), arrival(3, 190)]],
      ['g2', [arrival(0, 20), arrival(1, 80), arrival(2, 140), arrival(3, 200)]],
    ]);
    expect(observeQueue('fifo', messages, arrivals, 1, 12_000)).toEqual({
      kind: 'fifo',
      groups: 3,
      messages: 12,
      delivered: 11,
      duplicates: 0,
      deadLettered: 1,
      orderViolations: 0,
      maxGroupsInFlight: 3,
      blockedGroups: 1,
      blocked: ['g0'],
      groupsOutOfSequence: 0,
    });
  });

  it('counts the late first messages overtaken on the standard queue', () => {
    const arrivals = new Map([
      ['g0', [arrival(2, 0), arrival(3, 60), arrival(0, 5_100)]],
      ['g1', [arrival(2, 0), arrival(1, 60), arrival(3, 120), arrival(0, 5_100)]],
      ['g2', [arrival(1, 0), arrival(2, 60), arrival(3, 120), arrival(0, 5_200)]],
    ]);
    const q = observeQueue('standard', messages, arrivals, 1, 12_000);
    expect([q.orderViolations, q.blockedGroups, q.groupsOutOfSequence, q.delivered]).toEqual([4, 0, 3, 11]);
  });
});

const fifo = (overrides: Partial<QueueOrdering> = {}): QueueOrdering => ({
  kind: 'fifo',
  groups: 4,
  messages: 20,
  delivered: 19,
  duplicates: 0,
  deadLettered: 1,
  orderViolations: 0,
  maxGroupsInFlight: 3,
  blockedGroups: 1,
  blocked: ['g0'],
  groupsOutOfSequence: 0,
  ...overrides,
});
const standard = (overrides: Partial<QueueOrdering> = {}): QueueOrdering =>
  fifo({ kind: 'standard', orderViolations: 6, blockedGroups: 0, blocked: [], groupsOutOfSequence: 4, ...overrides });
const observed = (queues: QueueOrdering[], timedOut = false) => ({ queues, poison: { group: 'g0', seq: 1 }, timedOut });

describe('orderingVerdict', () => {
  it('holds for FIFO in order with only the poison group blocked and a standard queue overtaken in every group', () => {
    expect(orderingVerdict(observed([standard(), fifo()]))).toEqual({ ok: true, failures: [] });
  });

  it.each([
    ['FIFO reordered a group', [standard(), fifo({ orderViolations: 1 })], /FIFO queue: 1 order violation\(s\), expected 0/],
    ['FIFO skipped or repeated a message', [standard(), fifo({ groupsOutOfSequence: 1 })], /FIFO queue: 1 group\(s\) not processed exactly in their order/],
    ['FIFO dead-lettered a group-mate of the poison', [standard(), fifo({ deadLettered: 2, delivered: 18 })], /FIFO queue: 2 message\(s\) dead-lettered, expected exactly the poison \(1\)/],
    ['FIFO held back another group', [standard(), fifo({ blockedGroups: 2, blocked: ['g0', 'g2'] })], /blocked group\(s\) \[g0, g2\], expected only the poison's group \(g0\)/],
    ['FIFO did not hold back the poisoned group', [standard(), fifo({ blockedGroups: 0, blocked: [] })], /blocked group\(s\) \[\], expected only/],
    ['the standard queue lost a message', [standard({ delivered: 18 }), fifo()], /standard queue: 18 message\(s\) processed, expected every one but the poison at least once \(19\)/],
    ['FIFO processed a message twice', [standard(), fifo({ delivered: 20, duplicates: 1 })], /FIFO queue: 20 message\(s\) processed, expected every one but the poison once \(19\)/],
    ['a late first message was not overtaken', [standard({ orderViolations: 3 }), fifo()], /standard queue: 3 order violation\(s\), expected at least one per group \(4\)/],
    ['the standard queue held a group back', [standard({ blockedGroups: 1, blocked: ['g1'] }), fifo()], /standard queue: blocked group\(s\) \[g1\], expected none/],
    ['more groups in flight than the pool', [standard({ maxGroupsInFlight: 6, groups: 8 }), fifo()], /6 groups in flight at once, more than the pool of 5/],
  ])('fails if %s', (_name, queues, message) => {
    const verdict = orderingVerdict(observed(queues));
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });

  it('allows the standard queue a duplicate (at-least-once delivery) but not a loss', () => {
    expect(orderingVerdict(observed([standard({ delivered: 22, duplicates: 3 }), fifo()]))).toEqual({ ok: true, failures: [] });
  });

  it('fails if the run timed out', () => {
    expect(orderingVerdict(observed([standard(), fifo()], true)).failures).toEqual([expect.stringMatching(/did not finish before the deadline/)]);
  });
});
