import { json, labs, labsSideBySide, labsUp, started, type CliRun, type RunningCloud } from './cli-process';

/**
 * The lab tool end to end: `labs <module> --json` as a subprocess against the local cloud (synth with
 * bundling, emulators, provisioner, Lambda runtime), asserting the JSON contract and the verdict.
 * Each module's run with its default options is asserted in labs-all.integ.test.ts (`labs all` runs
 * exactly those); this file runs the options and subcommands. The runs go side by side: the worker
 * pool's and the pipeline's each with a local cloud of their own, the two stream runs one after the
 * other attached to one `labs up stream`, as a student runs them from a second terminal.
 */

jest.setTimeout(300_000);

let cloud: RunningCloud | undefined;
let runs: Readonly<Record<'workerPool' | 'pipeline' | 'refused', Promise<CliRun>>>;
let stream: Promise<{ readonly replay: CliRun; readonly group: CliRun }>;

beforeAll(() => {
  stream = started(
    (async () => {
      cloud = await labsUp(['stream']);
      const replay = await labs('stream', 'replay', '--json');
      const group = await labs('stream', 'group', '--consumers', '6', '--json');
      return { replay, group };
    })(),
  );
  runs = labsSideBySide({
    // A worker of one task per batch may time out after 1 s: a 6 s visibility timeout, so the poison's three
    // receives take 18 s, not 90 s.
    workerPool: ['worker-pool', '--tasks', '12', '--workers', '4', '--work-ms', '50', '--poison', '1', '--crash', '-c', 'workerTimeoutSeconds=1', '-c', 'workerBatchSize=1', '--json'],
    pipeline: ['pipeline', '--subtasks', '5', '--range-end', '10000', '--json'],
    refused: ['worker-pool', '--work-ms', '600000'],
  });
});

afterAll(async () => {
  await stream.catch(() => undefined);
  await cloud?.stop();
});

test('worker-pool --workers 4 --poison 1 --crash, 1 s timeout: once each, poison dead-lettered, the crashed task redelivered', async () => {
  const run = await runs.workerPool;
  const result = json<{
    ok: boolean;
    tasks: number;
    processed: number;
    duplicates: number;
    deadLettered: number;
    poolSize: number;
    workers: { id: string; tasks: number }[];
    crash: { attempts: number; completed: boolean; workerId: string };
  }>(run);
  expect(result).toMatchObject({ ok: true, tasks: 12, processed: 11, duplicates: 0, deadLettered: 1, poolSize: 4, visibilityTimeoutSeconds: 6 });
  expect(result.workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(11);
  expect(result.crash.completed).toBe(true);
  expect(result.crash.attempts).toBeGreaterThanOrEqual(2);
  expect(run.code).toBe(0);
});

test('stream replay: re-reads a shard from a sequence number in the middle of the run', async () => {
  const run = (await stream).replay;
  const result = json<{ ok: boolean; scenario: string; from: string; replayed: { sequenceNumber: string }[]; expectedEventIds: number[] }>(run);
  expect(result).toMatchObject({ ok: true, scenario: 'replay' });
  expect(result.replayed[0]?.sequenceNumber).toBe(result.from);
  expect(result.replayed).toHaveLength(result.expectedEventIds.length);
  expect(run.code).toBe(0);
});

test('stream group --consumers 6: each shard leased once, the surplus consumers idle', async () => {
  const run = (await stream).group;
  const result = json<{ ok: boolean; shardCount: number; idle: string[]; members: { shards: unknown[] }[] }>(run);
  expect(result.ok).toBe(true);
  expect(result.idle).toHaveLength(6 - result.shardCount);
  expect(result.members.filter((m) => m.shards.length > 0)).toHaveLength(result.shardCount);
  expect(run.code).toBe(0);
});

test('pipeline: the job completes once with the independently computed aggregate', async () => {
  const run = await runs.pipeline;
  const result = json<Record<string, unknown>>(run);
  expect(result).toMatchObject({ ok: true, subtasks: 5, completed: 5, result: 1229, expectedResult: 1229 });
  expect(typeof result.jobId).toBe('string');
  expect(run.code).toBe(0);
});

test('a scenario the stack refuses ends with one line on stderr and exit code 1', async () => {
  const run = await runs.refused;
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n').pop()).toMatch(/^labs: --work-ms 600000 is more than a task of LabWorkerPool may take \(\d+ ms/);
  expect(run.stdout).toBe('');
});
