import { LeaseTable } from '../../../../labs/scenarios/stream';

const SHARDS = ['s0', 's1', 's2', 's3'];

describe('LeaseTable', () => {
  test('starts from the group assignment: fair shares, the surplus consumers own nothing', () => {
    const table = new LeaseTable(SHARDS, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'], 2_000, 0);
    expect(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((c) => table.owned(c).map((l) => l.shardId))).toEqual([['s0'], ['s1'], ['s2'], ['s3'], [], []]);
  });

  test('a lease is not taken before it expires, then by the alive consumer with the fewest leases, from its checkpoint', () => {
    // GIVEN c1 owns s0 and s3, c2 s1, c3 s2 (fair share 2, dealt in turn); c1 checkpoints s0 and dies at t = 100
    const table = new LeaseTable(SHARDS, ['c1', 'c2', 'c3'], 2_000, 0);
    table.renew('c1', 100);
    expect(table.checkpoint('s0', 'c1', '0042')).toBe(true);
    // WHEN the others keep renewing
    for (const at of [1_000, 2_099]) {
      table.renew('c2', at);
      table.renew('c3', at);
      expect(table.takeExpired('c3', at)).toEqual([]);
    }
    table.renew('c2', 2_100);
    table.renew('c3', 2_100);
    const byC2 = table.takeExpired('c2', 2_100);
    const byC3 = table.takeExpired('c3', 2_100);
    // THEN c2 (1 lease, tied with c3 and earlier in the group) takes s0 from its checkpoint, then c3 takes s3
    expect(byC2.map((l) => [l.shardId, l.checkpoint])).toEqual([['s0', '0042']]);
    expect(byC3.map((l) => [l.shardId, l.checkpoint])).toEqual([['s3', undefined]]);
    expect(table.takeovers.map((t) => [t.shardId, t.from, t.to, t.takenAt - t.lastRenewedAt])).toEqual([
      ['s0', 'c1', 'c2', 2_000],
      ['s3', 'c1', 'c3', 2_000],
    ]);
    expect(table.owned('c1')).toEqual([]);
  });

  test('only the owner moves a checkpoint', () => {
    const table = new LeaseTable(SHARDS, ['c1', 'c2'], 2_000, 0);
    expect(table.checkpoint('s0', 'c2', '0001')).toBe(false);
    expect(table.owned('c1')[0]?.checkpoint).toBeUndefined();
  });

  test('a consumer that stopped renewing takes nothing, and is not counted as the least loaded', () => {
    const table = new LeaseTable(['s0', 's1'], ['c1', 'c2', 'c3'], 1_000, 0);
    table.renew('c2', 1_500);
    // c3 owns nothing and is silent since 0: it is not alive, so c2 (alive) is the least loaded alive
    expect(table.takeExpired('c3', 1_500)).toEqual([]);
    expect(table.takeExpired('c2', 1_500).map((l) => l.shardId)).toEqual(['s0']);
  });
});
