import { keySpaceFraction } from '../../../../labs/report/stream-reshard';
import {
  expectedKeyCounts,
  lineageBreaks,
  reshardProblem,
  reshardVerdict,
  type ReshardConsumer,
  type ReshardKeyCount,
  type ReshardObservations,
  type ReshardShard,
} from '../../../../labs/scenarios/stream/reshard';

// One parent split into two children; alice's records went to the parent, then to child-a.
const shards: ReshardShard[] = [
  { shardId: 'parent', startingHashKey: '0', endingHashKey: '9', open: false, before: 2, after: 0 },
  { shardId: 'child-a', parentShardId: 'parent', startingHashKey: '0', endingHashKey: '4', open: true, before: 0, after: 2 },
  { shardId: 'child-b', parentShardId: 'parent', startingHashKey: '5', endingHashKey: '9', open: true, before: 0, after: 0 },
];

const key = (shardId: string, overrides: Partial<ReshardKeyCount> = {}): ReshardKeyCount => ({
  shardId,
  partitionKey: 'alice',
  records: 2,
  expected: 2,
  orderViolations: 0,
  firstProcessedAt: shardId === 'parent' ? 1_000 : 2_000,
  lastProcessedAt: shardId === 'parent' ? 1_500 : 2_500,
  ...overrides,
});

function consumer(keys: ReshardKeyCount[], name = 'processor'): ReshardConsumer {
  return {
    name,
    kind: 'polling',
    keys,
    records: keys.reduce((n, k) => n + k.records, 0),
    expected: keys.reduce((n, k) => n + k.expected, 0),
    orderViolations: keys.reduce((n, k) => n + k.orderViolations, 0),
  };
}

function observations(overrides: Partial<ReshardObservations> = {}): Pick<ReshardObservations, 'to' | 'openAfter' | 'records' | 'shards' | 'consumers' | 'lineageBreaks' | 'timedOut'> {
  const consumers = [consumer([key('parent'), key('child-a')])];
  return { to: 2, openAfter: 2, records: 2, shards, consumers, lineageBreaks: consumers.flatMap((c) => lineageBreaks(c, shards)), timedOut: false, ...overrides };
}

describe('labs stream reshard', () => {
  test('holds when every record reached every consumer once, in order, children after parents, N open shards', () => {
    expect(reshardVerdict(observations())).toEqual({ ok: true, failures: [] });
  });

  test('fails if the stream has another open shard count than asked for', () => {
    expect(reshardVerdict(observations({ openAfter: 4 })).failures).toEqual(['the stream has 4 open shards, not the 2 asked for']);
  });

  test('fails if a consumer missed a record of a key, naming shard and key', () => {
    const consumers = [consumer([key('parent'), key('child-a', { records: 1 })])];
    expect(reshardVerdict(observations({ consumers })).failures).toEqual(['processor processed 1 of the 2 records of alice in child-a']);
  });

  test('fails if a key came out of order', () => {
    const consumers = [consumer([key('parent', { orderViolations: 1 }), key('child-a')])];
    expect(reshardVerdict(observations({ consumers })).failures).toEqual(["processor saw 1 record(s) out of their key's order"]);
  });

  test('a child begun before its parent was done is a lineage break, by how much', () => {
    const early = consumer([key('parent'), key('child-a', { firstProcessedAt: 1_200 })], 'search');
    expect(lineageBreaks(early, shards)).toEqual([{ consumer: 'search', childShardId: 'child-a', parentShardId: 'parent', earlyMs: 300 }]);
    expect(reshardVerdict(observations({ consumers: [early], lineageBreaks: lineageBreaks(early, shards) })).failures).toEqual([
      'search began child-a 300 ms before it finished its parent parent',
    ]);
  });

  test('a merged child waits for both parents', () => {
    const merged: ReshardShard[] = [
      { shardId: 'left', startingHashKey: '0', endingHashKey: '4', open: false, before: 1, after: 0 },
      { shardId: 'right', startingHashKey: '5', endingHashKey: '9', open: false, before: 1, after: 0 },
      { shardId: 'both', parentShardId: 'left', adjacentParentShardId: 'right', startingHashKey: '0', endingHashKey: '9', open: true, before: 0, after: 1 },
    ];
    const c = consumer([
      key('left', { lastProcessedAt: 1_000 }),
      key('right', { partitionKey: 'bob', lastProcessedAt: 3_000 }),
      key('both', { firstProcessedAt: 2_000 }),
    ]);
    expect(lineageBreaks(c, merged)).toEqual([{ consumer: 'processor', childShardId: 'both', parentShardId: 'right', earlyMs: 1_000 }]);
  });

  test('fails if PutRecords placed a record of before the reshard in a new shard, or one of after it in a closed one', () => {
    const misplaced = shards.map((s) => (s.shardId === 'child-b' ? { ...s, before: 1 } : s.shardId === 'parent' ? { ...s, before: 1, after: 1 } : s));
    expect(reshardVerdict(observations({ shards: misplaced })).failures).toEqual([
      'PutRecords placed 2 + 3 records, 2 + 2 were put',
      'parent: 1 record(s) put after the reshard landed in a closed shard',
      'child-b: 1 record(s) put before the reshard landed in a shard opened by it',
    ]);
  });

  test('fails if the consumers were still behind', () => {
    expect(reshardVerdict(observations({ timedOut: true })).failures).toEqual(['consumers were still behind when the wait ended']);
  });

  test('counts the expected records per shard and key from the PutRecords answers', () => {
    const event = (userId: string, eventId: number) => ({ runId: 'r', eventId, userId, action: 'click', timestamp: 't' });
    const put = [
      { event: event('alice', 0), shardId: 'parent', sequenceNumber: '1' },
      { event: event('alice', 1), shardId: 'parent', sequenceNumber: '2' },
      { event: event('bob', 2), shardId: 'parent', sequenceNumber: '3' },
      { event: event('alice', 3), shardId: 'child-a', sequenceNumber: '4' },
    ];
    expect([...expectedKeyCounts(put)]).toEqual([
      ['parent#alice', 2],
      ['parent#bob', 1],
      ['child-a#alice', 1],
    ]);
  });

  test.each([
    [4, 8, undefined],
    [4, 2, undefined],
    [4, 4, /already has 4 open shards: ask for another count \(2 to 8, not 4\)/],
    [4, 9, /takes 4 open shards to between 2 and 8, not 9: resize in steps, each with `npx cdk deploy LabStream -c shardCount=<n>`/],
    [4, 1, /between 2 and 8, not 1/],
  ])('from %i to %i shards: %p', (from, to, problem) => {
    const found = reshardProblem(from, to, `npx cdk deploy LabStream -c shardCount=${to}`);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  test('hash keys read as their share of the key space', () => {
    expect(keySpaceFraction(((1n << 126n) - 1n).toString())).toBe('0.250');
    // kinesis-local's boundary of 4 shards is a key below AWS's: the same quarter
    expect(keySpaceFraction(((1n << 126n) - 2n).toString())).toBe('0.250');
    expect(keySpaceFraction(((1n << 128n) - 1n).toString())).toBe('1.000');
  });
});
