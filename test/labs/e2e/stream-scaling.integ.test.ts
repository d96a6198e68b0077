import { json, labs } from './cli-process';

/**
 * The stream labs about scaling, end to end on the local cloud: `labs stream parallel | scale | reshard`
 * as a subprocess, each once, on a small stream with short runs; exact counts, timing only reported.
 */

jest.setTimeout(300_000);

interface ParallelJson {
  ok: boolean;
  factor: number;
  deployedFactor: number;
  records: number;
  consumers: { name: string; factor: number; records: number; expected: number; orderViolations: number; keysOutOfShardOrder: number; elapsedMs: number }[];
  speedUp: number;
}

test('stream parallel --factor 4: every record once, each key in order, factor-1 consumers in shard order', async () => {
  const run = await labs('stream', 'parallel', '--factor', '4', '--records', '80', '--users', '8', '--work-ms', '20', '-c', 'shardCount=2', '--json');
  const result = json<ParallelJson>(run);
  expect(result).toMatchObject({ ok: true, factor: 4, deployedFactor: 4, records: 80 });
  expect(result.consumers.map((c) => [c.name, c.factor, c.records, c.expected, c.orderViolations])).toEqual([
    ['processor', 4, 80, 80, 0],
    ['analytics', 1, 80, 80, 0],
    ['search', 1, 80, 80, 0],
  ]);
  expect(result.consumers.filter((c) => c.factor === 1).map((c) => c.keysOutOfShardOrder)).toEqual([0, 0]);
  expect(result.speedUp).toBeGreaterThan(0);
  expect(run.code).toBe(0);
});
