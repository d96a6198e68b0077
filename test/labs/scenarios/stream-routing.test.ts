import { assignLeases, compareSequenceNumbers, hashKeyOf, shardForHashKey, shardForPartitionKey } from '../../../labs/scenarios/stream-routing';

// Four shards splitting the 128-bit hash key space evenly, as CreateStream(ShardCount=4) does.
const QUARTER = 2n ** 126n;
const FOUR_SHARDS = [0n, 1n, 2n, 3n].map((i) => ({
  shardId: `shardId-00000000000${i}`,
  startingHashKey: (i * QUARTER).toString(),
  endingHashKey: ((i + 1n) * QUARTER - 1n).toString(),
}));

describe('hash key routing', () => {
  test('the hash key is the MD5 of the partition key as an unsigned 128-bit integer', () => {
    // RFC 1321 test vector: MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
    expect(hashKeyOf('abc')).toBe(0x900150983cd24fb0d6963f7d28e17f72n);
    expect(hashKeyOf('')).toBe(0xd41d8cd98f00b204e9800998ecf8427en);
  });

  test('the shard is the one whose hash key range holds the hash key', () => {
    expect(shardForPartitionKey('abc', FOUR_SHARDS)).toBe('shardId-000000000002'); // 0x90... is in [2/4, 3/4)
    expect(shardForPartitionKey('', FOUR_SHARDS)).toBe('shardId-000000000003'); // 0xd4... is in [3/4, 1)
  });

  test('range ends are inclusive', () => {
    expect(shardForHashKey(QUARTER - 1n, FOUR_SHARDS)).toBe('shardId-000000000000');
    expect(shardForHashKey(QUARTER, FOUR_SHARDS)).toBe('shardId-000000000001');
    expect(shardForHashKey(2n ** 128n - 1n, FOUR_SHARDS)).toBe('shardId-000000000003');
    expect(shardForHashKey(2n ** 128n, FOUR_SHARDS)).toBeUndefined();
  });
});

describe('assignLeases', () => {
  const shards = ['s0', 's1', 's2', 's3'];

  test('more consumers than shards: one shard each, the rest idle (Module 8, question 2)', () => {
    const leases = assignLeases(shards, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(Object.fromEntries(leases)).toEqual({ c1: ['s0'], c2: ['s1'], c3: ['s2'], c4: ['s3'], c5: [], c6: [] });
  });

  test('fewer consumers than shards: every shard owned once, shares differ by at most one', () => {
    const leases = assignLeases(shards, ['c1', 'c2', 'c3']);
    expect(Object.fromEntries(leases)).toEqual({ c1: ['s0', 's3'], c2: ['s1'], c3: ['s2'] });
    expect([...leases.values()].flat().sort()).toEqual(shards);
  });

  test('one consumer owns every shard', () => {
    expect(assignLeases(shards, ['solo']).get('solo')).toEqual(shards);
  });

  test('fails if the group has no consumer', () => {
    expect(() => assignLeases(shards, [])).toThrow(/at least one consumer/);
  });
});

test('sequence numbers compare as integers, not as doubles or strings', () => {
  const a = '49671234567890123456789012345678901234567890123456';
  const b = '49671234567890123456789012345678901234567890123457';
  expect(compareSequenceNumbers(a, b)).toBe(-1);
  expect(compareSequenceNumbers(b, a)).toBe(1);
  expect(compareSequenceNumbers(a, a)).toBe(0);
  expect(compareSequenceNumbers('9', '10')).toBe(-1);
});
