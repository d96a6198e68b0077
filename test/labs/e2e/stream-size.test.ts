import { json, labs } from './cli-process';

/**
 * `labs stream size` as a student runs it: a subprocess of the real CLI. It opens no stack, so it needs
 * no local cloud and runs with the unit tests.
 */
test('labs stream size --json: the seed platform needs 10 shards, 15 with headroom, $0.225 an hour idle', async () => {
  const run = await labs('stream', 'size', '--json');
  expect(json(run)).toMatchObject({
    module: 'stream',
    scenario: 'size',
    ok: true,
    recordsPerSecond: 10_000,
    bytesPerSecond: 10_240_000,
    shardsByRecords: 10,
    shardsByBytes: 10,
    minimumShards: 10,
    recommendedShards: 15,
    idleCostPerHour: 0.225,
    idleCostPerMonth: 164.25,
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 60_000);
