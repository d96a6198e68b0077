import { streamVerdict, type ConsumerObservation, type ShardObservation, type UserRouting } from '../../../../labs/scenarios/stream/main';

const shard = (shardId: string, put: number, over: Partial<ShardObservation> = {}): ShardObservation => ({
  shardId,
  startingHashKey: '0',
  endingHashKey: '1',
  put,
  records: put,
  partitionKeys: [],
  userCounts: {},
  inOrder: true,
  ...over,
});

const consumer = (name: string, counts: [string, number, number][], orderViolations = 0): ConsumerObservation => ({
  name,
  kind: name === 'processor' ? 'polling' : 'enhanced fan-out',
  records: counts.reduce((s, c) => s + c[1], 0),
  expected: counts.reduce((s, c) => s + c[2], 0),
  orderViolations,
  shards: counts.map(([shardId, records, expected]) => ({ shardId, records, expected, orderViolations: 0 })),
});

const user = (userId: string, shardIds: string[], predictedShardId = shardIds[0] ?? 'none'): UserRouting => ({
  userId,
  hashKey: '1',
  predictedShardId,
  shardIds,
});

describe('streamVerdict', () => {
  const good = {
    records: 30,
    users: [user('alice', ['s0']), user('bob', ['s1'])],
    shards: [shard('s0', 18), shard('s1', 12)],
    consumers: ['processor', 'analytics', 'search'].map((n) => consumer(n, [['s0', 18, 18], ['s1', 12, 12]])),
    timedOut: false,
  };

  test.each<[string, Partial<typeof good>, RegExp[]]>([
    ['every consumer saw every record in order', {}, []],
    ['a user landed in two shards', { users: [user('alice', ['s0', 's1'])] }, [/alice landed in 2 shards/]],
    ['PutRecords disagrees with the hash key ranges', { users: [user('alice', ['s1'], 's0')] }, [/alice went to s1, but its MD5 hash key falls in s0/]],
    ['a shard read back fewer records', { shards: [shard('s0', 18, { records: 17 }), shard('s1', 12)] }, [/s0: read back 17 of the 18/]],
    ['a shard returned a user out of order', { shards: [shard('s0', 18, { inOrder: false }), shard('s1', 12)] }, [/s0: a user's events came back out of order/]],
    ['a consumer is behind on one shard', { consumers: [consumer('analytics', [['s0', 18, 18], ['s1', 11, 12]])] }, [/consumer analytics processed 11 of the 12 records of s1/]],
    ['a consumer processed records twice', { consumers: [consumer('processor', [['s0', 19, 18], ['s1', 12, 12]])] }, [/processor processed 19 of the 18/]],
    ['a consumer saw records out of order', { consumers: [consumer('search', [['s0', 18, 18], ['s1', 12, 12]], 2)] }, [/search saw 2 out-of-order/]],
    ['consumers were behind at the deadline', { timedOut: true }, [/still behind/]],
  ])('%s', (_name, change, expected) => {
    const verdict = streamVerdict({ ...good, ...change });
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
    expect(verdict.ok).toBe(expected.length === 0);
  });
});
