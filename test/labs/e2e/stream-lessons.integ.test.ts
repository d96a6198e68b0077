import { json, labs } from './cli-process';

/**
 * The seed lessons of the stream and worker-pool modules end to end, each as one `labs ... --json`
 * subprocess against the local cloud, with small counts and exact expectations.
 */

jest.setTimeout(300_000);

interface KeysResult {
  ok: boolean;
  scenario: string;
  shardCount: number;
  strategies: { strategy: string; shards: { put: number; predicted: number; read: number }[]; skew: number; devicesInOrder: number; seconds?: { hotShare: number }[] }[];
}

test('stream keys --records 40: the per-shard counts MD5 predicts, per-device order kept by device keys only where expected', async () => {
  const run = await labs('stream', 'keys', '--records', '40', '--json');
  const result = json<KeysResult>(run);
  expect(result).toMatchObject({ ok: true, scenario: 'keys', shardCount: 4 });
  const byStrategy = Object.fromEntries(result.strategies.map((s) => [s.strategy, s]));
  expect(byStrategy.device?.shards.map((s) => s.read)).toEqual([10, 16, 8, 6]);
  expect(byStrategy.fixed?.shards.map((s) => s.read)).toEqual([0, 0, 40, 0]);
  expect(byStrategy.timestamp?.shards.map((s) => s.read)).toEqual([20, 20, 0, 0]);
  expect(byStrategy.random?.shards.map((s) => s.read)).toEqual([10, 9, 11, 10]);
  expect(result.strategies.map((s) => [s.strategy, s.skew, s.devicesInOrder])).toEqual([
    ['device', 1.6, 20],
    ['fixed', 4, 20],
    ['timestamp', 2, 20],
    ['random', 1.1, 12],
  ]);
  expect(byStrategy.timestamp?.seconds?.map((s) => s.hotShare)).toEqual([1, 1]);
  expect(run.code).toBe(0);
});
