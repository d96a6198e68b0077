import { groupVerdict, type GroupMember } from '../../../../labs/scenarios/stream/group';

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
