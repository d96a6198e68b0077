import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The lab tool end to end: `labs <module> --json` as a subprocess against the local cloud (synth with
 * bundling, emulators, provisioner, Lambda runtime), asserting the JSON contract and the verdict.
 */

const ROOT = join(__dirname, '..', '..', '..');

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function labs(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'labs.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exactly one JSON object on stdout. */
function json<T = Record<string, unknown>>(run: CliRun): T {
  const lines = run.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(lines[0] as string) as T;
}

jest.setTimeout(300_000);

test('fanout: every queue receives what its filter admits', async () => {
  const run = await labs('fanout', '--json');
  const result = json<{ module: string; target: string; ok: boolean; queues: { name: string; received: number; expected: number }[] }>(run);
  expect(result).toMatchObject({ module: 'fanout', target: 'local', ok: true });
  expect(result.queues.map((q) => [q.name, q.received, q.expected])).toEqual([
    ['analytics', 5, 5],
    ['inventory', 5, 5],
    ['notification', 3, 3],
  ]);
  expect(run.code).toBe(0);
});

test('worker-pool --workers 4 --poison 1 --crash: once each, poison dead-lettered, the crashed task redelivered', async () => {
  const run = await labs('worker-pool', '--tasks', '12', '--workers', '4', '--work-ms', '50', '--poison', '1', '--crash', '--json');
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
  expect(result).toMatchObject({ ok: true, tasks: 12, processed: 11, duplicates: 0, deadLettered: 1, poolSize: 4 });
  expect(result.workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(11);
  expect(result.crash.completed).toBe(true);
  expect(result.crash.attempts).toBeGreaterThanOrEqual(2);
  expect(run.code).toBe(0);
});

test('stream: routing by hash key, every shard read back, every consumer in order', async () => {
  const run = await labs('stream', '--json');
  const result = json<{
    ok: boolean;
    records: number;
    shards: { shardId: string; records: number; partitionKeys: string[] }[];
    consumers: { name: string; records: number; orderViolations: number }[];
  }>(run);
  expect(result.ok).toBe(true);
  expect(result.shards.reduce((sum, s) => sum + s.records, 0)).toBe(30);
  expect(result.shards.flatMap((s) => s.partitionKeys).sort()).toEqual(['alice', 'bob', 'charlie', 'diana', 'eve']);
  expect(result.consumers.map((c) => [c.name, c.records, c.orderViolations]).sort()).toEqual([
    ['analytics', 30, 0],
    ['processor', 30, 0],
    ['search', 30, 0],
  ]);
  expect(run.code).toBe(0);
});

test('stream replay: re-reads a shard from a sequence number in the middle of the run', async () => {
  const run = await labs('stream', 'replay', '--json');
  const result = json<{ ok: boolean; scenario: string; from: string; replayed: { sequenceNumber: string }[]; expectedEventIds: number[] }>(run);
  expect(result).toMatchObject({ ok: true, scenario: 'replay' });
  expect(result.replayed[0]?.sequenceNumber).toBe(result.from);
  expect(result.replayed).toHaveLength(result.expectedEventIds.length);
  expect(run.code).toBe(0);
});

test('stream group --consumers 6: each shard leased once, the surplus consumers idle', async () => {
  const run = await labs('stream', 'group', '--consumers', '6', '--json');
  const result = json<{ ok: boolean; shardCount: number; idle: string[]; members: { shards: unknown[] }[] }>(run);
  expect(result.ok).toBe(true);
  expect(result.idle).toHaveLength(6 - result.shardCount);
  expect(result.members.filter((m) => m.shards.length > 0)).toHaveLength(result.shardCount);
  expect(run.code).toBe(0);
});

test('pipeline: the job completes once with the independently computed aggregate', async () => {
  const run = await labs('pipeline', '--subtasks', '5', '--range-end', '10000', '--json');
  const result = json<Record<string, unknown>>(run);
  expect(result).toMatchObject({ ok: true, subtasks: 5, completed: 5, result: 1229, expectedResult: 1229 });
  expect(typeof result.jobId).toBe('string');
  expect(run.code).toBe(0);
});

test('a scenario the stack refuses ends with one line on stderr and exit code 1', async () => {
  const run = await labs('worker-pool', '--work-ms', '999999');
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n').pop()).toMatch(/^labs: --work-ms 999999 is more than a task of LabWorkerPool may take \(\d+ ms/);
  expect(run.stdout).toBe('');
});
