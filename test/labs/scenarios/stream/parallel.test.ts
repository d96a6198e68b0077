import { keysOutOfShardOrder, parallelConsumer, parallelVerdict } from '../../../../labs/scenarios/stream';
import type { KeyCheckpoint } from '../../../../labs/scenarios/stream/checkpoints';

const SHARD = 'shardId-000000000000';
const key = (partitionKey: string, last: number, at: number, records = 1, orderViolations = 0): KeyCheckpoint => ({
  shardId: SHARD,
  partitionKey,
  records,
  orderViolations,
  lastSequenceNumber: String(last).padStart(4, '0'),
  firstProcessedAt: 1000,
  lastProcessedAt: at,
});

describe('keysOutOfShardOrder', () => {
  test.each([
    { name: 'one record after the other: keys finish in shard order', keys: [key('a', 1, 10), key('b', 2, 20), key('c', 3, 30)], pairs: 0 },
    { name: 'the same millisecond is not out of order', keys: [key('a', 1, 10), key('b', 2, 10)], pairs: 0 },
    { name: 'a later key of a lighter batch finishing first', keys: [key('a', 1, 30), key('b', 2, 20), key('c', 3, 10)], pairs: 3 },
    { name: 'one inversion', keys: [key('a', 1, 10), key('b', 3, 20), key('c', 2, 30)], pairs: 1 },
  ])('$name: $pairs', ({ keys, pairs }) => {
    expect(keysOutOfShardOrder(keys)).toBe(pairs);
  });
});

describe('parallelConsumer', () => {
  test('sums the keys per shard and measures from the first processed record to the last', () => {
    // GIVEN two keys of shard 0 (5 records), none yet of shard 1
    const keys = [key('a', 1, 1_400, 2), key('b', 2, 1_500, 3, 1)];
    // WHEN
    const c = parallelConsumer('processor', 'polling', 4, keys, new Map([[SHARD, 5], ['shardId-000000000001', 2]]));
    // THEN
    expect(c).toEqual({
      name: 'processor',
      kind: 'polling',
      factor: 4,
      records: 5,
      expected: 7,
      orderViolations: 1,
      keysOutOfShardOrder: 0,
      elapsedMs: 500,
      recordsPerSecond: 10,
      shards: [
        { shardId: SHARD, keys: 2, records: 5, expected: 5, orderViolations: 1, keysOutOfShardOrder: 0 },
        { shardId: 'shardId-000000000001', keys: 0, records: 0, expected: 2, orderViolations: 0, keysOutOfShardOrder: 0 },
      ],
    });
  });
});

describe('parallelVerdict', () => {
  const consumer = (factor: number, over: Partial<ReturnType<typeof parallelConsumer>> = {}) => ({
    ...parallelConsumer(factor === 1 ? 'analytics' : 'processor', factor === 1 ? 'enhanced fan-out' : 'polling', factor, [key('a', 1, 10, 3)], new Map([[SHARD, 3]])),
    ...over,
  });

  test('holds when every record is processed once, in key order, a factor-1 consumer in shard order', () => {
    expect(parallelVerdict({ workMs: 20, timedOut: false, consumers: [consumer(4, { keysOutOfShardOrder: 6 }), consumer(1)] })).toEqual({ ok: true, failures: [] });
  });

  test.each([
    { name: 'a record missing', c: consumer(4, { shards: [{ shardId: SHARD, keys: 1, records: 2, expected: 3, orderViolations: 0, keysOutOfShardOrder: 0 }] }), failure: /processor processed 2 of the 3 records of shardId-000000000000/ },
    { name: 'a key out of order', c: consumer(4, { orderViolations: 1 }), failure: /processor saw 1 record\(s\) of a key out of order/ },
    { name: 'a factor-1 consumer out of shard order', c: consumer(1, { keysOutOfShardOrder: 2 }), failure: /analytics \(factor 1\) finished 2 pair\(s\) of keys out of shard order/ },
  ])('fails on $name', ({ c, failure }) => {
    const verdict = parallelVerdict({ workMs: 20, timedOut: false, consumers: [c] });
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(failure);
  });

  test('without work, same-millisecond noise of a factor-1 consumer is not judged', () => {
    expect(parallelVerdict({ workMs: 0, timedOut: false, consumers: [consumer(1, { keysOutOfShardOrder: 1 })] }).ok).toBe(true);
  });
});
