import { json, labs, labsUp, started, type CliRun, type RunningCloud } from './cli-process';

/** A failed verdict or error shows its reasons (stderr) in the test's failure. */
function expectOk(run: CliRun, result: { ok: boolean }): void {
  expect(result.ok ? '' : run.stderr).toBe('');
  expect(run.code).toBe(0);
}

/** The stream labs ran on the file's `labs up stream`, not on a cloud of their own. */
function expectAttached(run: CliRun): void {
  expect(run.stderr).toMatch(/using the local cloud on 127\.0\.0\.1:\d+\n/);
}

/**
 * The seed lessons of the stream and worker-pool modules end to end, each as one `labs ... --json`
 * subprocess against the local cloud, with small counts and exact expectations. The stream labs
 * attach to one `labs up stream` (each counts only its own run's records and messages); worker-pool
 * --skew changes the stack's batch size, so it starts its own cloud, side by side with the others.
 */

// A run that starts its own local cloud can take minutes on a loaded machine.
jest.setTimeout(600_000);

let cloud: RunningCloud | undefined;
let skew: Promise<CliRun>;
beforeAll(async () => {
  skew = started(labs('worker-pool', '--skew', '--json'));
  cloud = await labsUp(['stream']);
}, 300_000);
afterAll(async () => {
  await skew.catch(() => undefined);
  await cloud?.stop();
}, 60_000);

interface KeysResult {
  ok: boolean;
  scenario: string;
  shardCount: number;
  strategies: { strategy: string; shards: { put: number; predicted: number; read: number }[]; skew: number; devicesInOrder: number; seconds?: { hotShare: number }[] }[];
}

test('stream keys --records 40: the per-shard counts MD5 predicts, per-device order kept by device keys only where expected', async () => {
  const run = await labs('stream', 'keys', '--records', '40', '--json');
  const result = json<KeysResult>(run);
  expectOk(run, result);
  expectAttached(run);
  expect(result).toMatchObject({ scenario: 'keys', shardCount: 4 });
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
});

test('stream vs-queue --records 12: the log gives each read all 12, the queue 12 once, hidden, back unacknowledged, then gone', async () => {
  const run = await labs('stream', 'vs-queue', '--records', '12', '--json');
  const result = json<{ ok: boolean; steps: { step: string; stream: number; queue: number }[] }>(run);
  expectOk(run, result);
  expectAttached(run);
  expect(result.steps.map((s) => [s.step, s.stream, s.queue])).toEqual([
    ['A reads', 12, 12],
    ['A reads again', 12, 0],
    ['B reads', 12, 0],
    ['B reads once the hiding ends', 12, 12],
    ['A reads after B acknowledged', 12, 0],
  ]);
});

test('stream recompute: v1\'s wrong page views, v2\'s right ones from the replay, nothing left in the queue', async () => {
  const run = await labs('stream', 'recompute', '--json');
  const result = json<{ ok: boolean; replayedRecords: number; queueMessagesLeft: number; users: { userId: string; wrong: number; right: number; fromQueue: number }[] }>(run);
  expectOk(run, result);
  expectAttached(run);
  expect(result).toMatchObject({ replayedRecords: 30, queueMessagesLeft: 0 });
  expect(result.users.map((u) => [u.userId, u.wrong, u.right, u.fromQueue])).toEqual([
    ['alice', 3, 2, 0],
    ['bob', 4, 2, 0],
    ['charlie', 3, 1, 0],
    ['diana', 2, 1, 0],
    ['eve', 3, 2, 0],
  ]);
});

test('worker-pool --skew: pulling beats the round-robin makespan of the same task times; long-task workers take fewer tasks', async () => {
  const run = await skew;
  const result = json<{
    ok: boolean;
    processed: number;
    skew: { longTasks: number; longMs: number; measuredMakespanMs: number; roundRobinMakespanMs: number; roundRobinBusyMs: number[]; workers: { tasks: number; longTasks: number }[] };
  }>(run);
  expectOk(run, result);
  expect(result.processed).toBe(20);
  expect(result.skew).toMatchObject({ longTasks: 2, longMs: 2000, roundRobinMakespanMs: 5000, roundRobinBusyMs: [5000, 1400, 1200] });
  expect(result.skew.workers.map((w) => w.longTasks).sort()).toEqual([0, 1, 1]);
  expect(result.skew.workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(20);
  // The work alone is at least the long task's 2 s; pulling must stay under round-robin's 5 s.
  expect(result.skew.measuredMakespanMs).toBeGreaterThanOrEqual(2000);
  expect(result.skew.measuredMakespanMs).toBeLessThan(5000);
});
