import {
  groupVerdict,
  makeEvents,
  replayVerdict,
  streamVerdict,
  userNames,
  type ConsumerObservation,
  type GroupMember,
  type ShardObservation,
  type UserRouting,
} from '../../../labs/scenarios/stream';

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

describe('replayVerdict', () => {
  const r = (sequenceNumber: string, eventId: number, thisRun = true) => ({ sequenceNumber, partitionKey: 'alice', eventId, thisRun });

  test.each<[string, Parameters<typeof replayVerdict>[0], RegExp[]]>([
    ['the log from the offset on, in order', { from: '100', replayed: [r('100', 5), r('105', 10)], expectedEventIds: [5, 10] }, []],
    ['a typed offset with no expectations', { from: '100', replayed: [r('100', 5, false)] }, []],
    ['nothing replayed', { from: '100', replayed: [] }, [/nothing was replayed from sequence number 100/]],
    ['started at another record', { from: '100', replayed: [r('105', 10)] }, [/started at 105, not at the requested 100/]],
    ['out of sequence order', { from: '100', replayed: [r('100', 5), r('99', 1)] }, [/not in sequence order at position 1/]],
    ['a record missing', { from: '100', replayed: [r('100', 5)], expectedEventIds: [5, 10] }, [/replayed events \[5\], expected \[5, 10\]/]],
  ])('%s', (_name, observations, expected) => {
    const verdict = replayVerdict(observations);
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
  });
});

describe('groupVerdict', () => {
  const member = (consumerId: string, shards: [string, number, number, number?][]): GroupMember => ({
    consumer: consumerId,
    shards: shards.map(([shardId, records, expected, calls]) => ({ shardId, records, expected, getRecordsCalls: calls ?? 1 })),
    records: shards.reduce((s, x) => s + x[1], 0),
  });
  const sixOnFour = {
    consumers: 6,
    shardCount: 4,
    records: 30,
    members: [
      member('c1', [['s0', 12, 12]]),
      member('c2', [['s1', 6, 6]]),
      member('c3', [['s2', 12, 12]]),
      member('c4', [['s3', 0, 0]]),
      member('c5', []),
      member('c6', []),
    ],
    idle: ['c5', 'c6'],
  };

  test.each<[string, Partial<typeof sixOnFour>, RegExp[]]>([
    ['two idle consumers, every shard read by its one owner', {}, []],
    [
      'a shard leased twice',
      { members: [...sixOnFour.members.slice(0, 4), member('c5', [['s0', 12, 12]]), member('c6', [])], idle: ['c6'] },
      [/s0 is owned by 2 consumers \(c1, c5\)/, /1 consumer\(s\) idle, expected 2/],
    ],
    ['a shard without an owner', { members: sixOnFour.members.slice(1), idle: ['c5', 'c6'] }, [/3 of 4 shards have an owner/]],
    ['an owner never read its shard', { members: [...sixOnFour.members.slice(0, 3), member('c4', [['s3', 0, 0, 0]]), ...sixOnFour.members.slice(4)] }, [/c4 never read its shard s3/]],
    ['an owner read too few records', { members: [member('c1', [['s0', 10, 12]]), ...sixOnFour.members.slice(1)] }, [/c1 read 10 of the 12 records of s0/]],
  ])('%s', (_name, change, expected) => {
    const verdict = groupVerdict({ ...sixOnFour, ...change });
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
    expect(verdict.ok).toBe(expected.length === 0);
  });
});

describe('events', () => {
  test('users cycle as in the seed, partition key = user, ids in put order', () => {
    const events = makeEvents('run1', { records: 7, users: 3 }, new Date('2026-01-01T00:00:00Z'));
    expect(events.map((e) => e.userId)).toEqual(['alice', 'bob', 'charlie', 'alice', 'bob', 'charlie', 'alice']);
    expect(events.map((e) => e.action).slice(0, 5)).toEqual(['login', 'view_page', 'click', 'logout', 'login']);
    expect(events.map((e) => e.eventId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.runId === 'run1')).toBe(true);
  });

  test('more users than the seed names get numbered names, all distinct', () => {
    const names = userNames(12);
    expect(names.slice(9)).toEqual(['judy', 'user10', 'user11']);
    expect(new Set(names).size).toBe(12);
  });
});
