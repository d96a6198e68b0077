import { json, labsSideBySide, type CliRun } from './cli-process';
import { hashKeyOf } from '../../../labs/scenarios/stream-routing';

/**
 * The stream labs about scaling, end to end on the local cloud: `labs stream parallel | scale | reshard`
 * as a subprocess, each once, on a small stream with short runs; exact counts, timing only reported.
 * The three go side by side, each with a local cloud of its own (their stream sizes differ).
 */

jest.setTimeout(300_000);

let runs: Readonly<Record<'parallel' | 'scale' | 'reshard', Promise<CliRun>>>;
beforeAll(() => {
  runs = labsSideBySide({
    // One shard and factor 2: four execution environments in all, so cold starts stay few.
    parallel: ['stream', 'parallel', '--factor', '2', '--records', '40', '--users', '6', '--work-ms', '20', '-c', 'shardCount=1', '--json'],
    scale: ['stream', 'scale', '--consumers', '2,3', '--work-ms', '10', '--records', '100', '--rate', '200', '--kill', '1', '-c', 'shardCount=2', '--json'],
    reshard: ['stream', 'reshard', '--to', '2', '--records', '12', '--users', '4', '-c', 'shardCount=1', '--json'],
  });
});

interface ParallelJson {
  ok: boolean;
  factor: number;
  deployedFactor: number;
  records: number;
  consumers: { name: string; factor: number; records: number; expected: number; orderViolations: number; keysOutOfShardOrder: number; elapsedMs: number }[];
  speedUp: number;
}

test('stream parallel --factor 2: every record once, each key in order, factor-1 consumers in shard order', async () => {
  const run = await runs.parallel;
  const result = json<ParallelJson>(run);
  expect(result).toMatchObject({ ok: true, factor: 2, deployedFactor: 2, records: 40 });
  expect(result.consumers.map((c) => [c.name, c.factor, c.records, c.expected, c.orderViolations])).toEqual([
    ['processor', 2, 40, 40, 0],
    ['analytics', 1, 40, 40, 0],
    ['search', 1, 40, 40, 0],
  ]);
  expect(result.consumers.filter((c) => c.factor === 1).map((c) => c.keysOutOfShardOrder)).toEqual([0, 0]);
  expect(result.speedUp).toBeGreaterThan(0);
  expect(run.code).toBe(0);
});

interface ScaleJson {
  ok: boolean;
  shardCount: number;
  runs: { consumers: number; idle: string[]; processed: number; duplicates: number; leasesOfKilled: number; takeovers: { shardId: string; from: string; to: string; gapMs: number; afterRenewalMs: number }[]; series: number[] }[];
  leaseMs: number;
}

test('stream scale --consumers 2,3 --kill 1 on 2 shards: the surplus idle, every record once, the dead shard taken over after expiry', async () => {
  const run = await runs.scale;
  const result = json<ScaleJson>(run);
  expect(result).toMatchObject({ ok: true, shardCount: 2, leaseMs: 2000 });
  expect(result.runs.map((r) => [r.consumers, r.idle, r.processed, r.duplicates, r.leasesOfKilled])).toEqual([
    [2, [], 100, 0, 1],
    [3, ['consumer-3'], 100, 0, 1],
  ]);
  // consumer-1 held shard 0; the live consumer with the fewest leases takes it: consumer-2, then the idle consumer-3
  expect(result.runs.map((r) => r.takeovers.map((t) => [t.shardId, t.from, t.to]))).toEqual([
    [['shardId-000000000000', 'consumer-1', 'consumer-2']],
    [['shardId-000000000000', 'consumer-1', 'consumer-3']],
  ]);
  for (const t of result.runs.flatMap((r) => r.takeovers)) expect(t.afterRenewalMs).toBeGreaterThanOrEqual(2000);
  expect(result.runs.every((r) => r.series.length > 0)).toBe(true);
  expect(run.code).toBe(0);
});

interface ReshardJson {
  ok: boolean;
  appliedBy: string;
  command: string;
  from: number;
  to: number;
  openAfter: number;
  records: number;
  shards: { shardId: string; parentShardId?: string; adjacentParentShardId?: string; open: boolean; before: number; after: number }[];
  consumers: { name: string; records: number; expected: number; orderViolations: number }[];
  lineageBreaks: unknown[];
  timedOut: boolean;
}

test('stream reshard --to 2 on 1 shard: split by the stack update, every record once in every consumer, each key in order, parents first', async () => {
  const run = await runs.reshard;
  const result = json<ReshardJson>(run);
  expect(result).toMatchObject({ ok: true, appliedBy: 'local update', command: 'npx cdk deploy LabStream -c shardCount=2', from: 1, to: 2, openAfter: 2, records: 12, timedOut: false });
  // users cycle alice, bob, charlie, diana: three records each before and after; after, each goes to the half of the key space its MD5 falls in
  const lowerHalf = ['alice', 'bob', 'charlie', 'diana'].filter((user) => hashKeyOf(user) < 1n << 127n).length;
  expect(result.shards.map((s) => [s.shardId, s.parentShardId ?? null, s.open, s.before, s.after])).toEqual([
    ['shardId-000000000000', null, false, 12, 0],
    ['shardId-000000000001', 'shardId-000000000000', true, 0, 3 * lowerHalf],
    ['shardId-000000000002', 'shardId-000000000000', true, 0, 3 * (4 - lowerHalf)],
  ]);
  expect(result.consumers.map((c) => [c.name, c.records, c.expected, c.orderViolations])).toEqual([
    ['processor', 24, 24, 0],
    ['analytics', 24, 24, 0],
    ['search', 24, 24, 0],
  ]);
  expect(result.lineageBreaks).toEqual([]);
  expect(run.code).toBe(0);
});
