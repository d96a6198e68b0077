import { renderKeys } from '../../../../labs/report/stream-keys';
import { PLAIN } from '../../../../labs/report/style';
import {
  deviceReadings,
  KEY_STRATEGIES,
  keysVerdict,
  observeStrategy,
  partitionKeys,
  predictShards,
  seededRandom,
  type KeyStrategy,
  type KeyStrategyObservation,
  type PlacedReading,
} from '../../../../labs/scenarios/stream/keys';

// Four shards splitting the 128-bit hash key space evenly, as CreateStream(ShardCount=4) does.
const QUARTER = 2n ** 126n;
const FOUR_SHARDS = [0n, 1n, 2n, 3n].map((i) => ({
  shardId: `shardId-00000000000${i}`,
  startingHashKey: (i * QUARTER).toString(),
  endingHashKey: ((i + 1n) * QUARTER - 1n).toString(),
}));

/** A run where Kinesis put every record where predicted and the consumer read each shard in put order. */
function observe(strategy: KeyStrategy, records = 200, misplace?: number): KeyStrategyObservation {
  const readings = deviceReadings(records);
  const keys = partitionKeys(strategy, readings);
  const predicted = predictShards(keys, FOUR_SHARDS);
  const placed: PlacedReading[] = readings.map((reading, i) => ({
    reading,
    key: keys[i] as string,
    predictedShardId: predicted[i] as string,
    shardId: i === misplace ? 'shardId-000000000003' : (predicted[i] as string),
  }));
  const readBack = new Map(FOUR_SHARDS.map((r) => [r.shardId, placed.filter((p) => p.shardId === r.shardId).map((p) => p.reading.index)]));
  return observeStrategy(strategy, FOUR_SHARDS, placed, readBack);
}

describe('the device readings', () => {
  test('20 devices, one reading a second each, on a fixed clock', () => {
    const readings = deviceReadings(41);
    expect(readings[0]).toEqual({ index: 0, deviceId: 'device-01', seq: 0, second: 0, timestamp: '2026-01-01T00:00:00.000Z' });
    expect(readings[19]).toMatchObject({ deviceId: 'device-20', seq: 0, timestamp: '2026-01-01T00:00:00.760Z' });
    expect(readings[40]).toMatchObject({ deviceId: 'device-01', seq: 2, second: 2, timestamp: '2026-01-01T00:00:02.000Z' });
  });

  test('the keys of each strategy', () => {
    const readings = deviceReadings(40);
    expect(partitionKeys('device', readings).slice(0, 2)).toEqual(['device-01', 'device-02']);
    expect(new Set(partitionKeys('fixed', readings))).toEqual(new Set(['sensor-data']));
    expect(new Set(partitionKeys('timestamp', readings))).toEqual(new Set(['2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z']));
    const random = partitionKeys('random', readings);
    expect(new Set(random).size).toBe(40);
    expect(random[0]).toBe('90fa856a5c30a36812123ddc0c54a9ae');
    // Seeded: the same keys on every run.
    expect(partitionKeys('random', readings)).toEqual(random);
  });

  test('the seeded generator repeats itself and stays in [0, 1)', () => {
    const a = seededRandom(13);
    const b = seededRandom(13);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe('placement by MD5 against four even shards (200 readings, the default)', () => {
  test.each<[KeyStrategy, number[], number, number, number]>([
    // strategy, records per shard, skew, devices on one shard, devices in order
    ['device', [50, 80, 40, 30], 1.6, 20, 20],
    ['fixed', [0, 0, 200, 0], 4, 20, 20],
    ['timestamp', [20, 60, 80, 40], 1.6, 0, 0],
    ['random', [53, 46, 50, 51], 1.06, 0, 0],
  ])('%s keys: %j per shard', (strategy, perShard, skew, onOneShard, inOrder) => {
    const o = observe(strategy);
    expect(o.shards.map((s) => s.put)).toEqual(perShard);
    expect(o.shards.map((s) => s.predicted)).toEqual(perShard);
    expect(o.skew).toBe(skew);
    expect(o.devicesOnOneShard).toBe(onOneShard);
    expect(o.devicesInOrder).toBe(inOrder);
  });

  test('device-01 as the consumer reads it: in order by device key, scattered by random key', () => {
    expect(observe('device').watchedDeviceOrder).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(observe('random').watchedDeviceOrder).toEqual([2, 6, 7, 8, 3, 5, 1, 4, 9, 0]);
  });

  test('timestamp keys: every second on one shard, the hot shard moving', () => {
    const seconds = observe('timestamp').seconds ?? [];
    expect(seconds.map((s) => s.hotShare)).toEqual(Array(10).fill(1));
    expect(seconds.map((s) => Number(s.hotShardId.slice(-1)))).toEqual([0, 1, 2, 1, 2, 3, 1, 2, 3, 2]);
    expect(observe('device').seconds).toBeUndefined();
  });
});

describe('keysVerdict', () => {
  const all = (records = 200) => KEY_STRATEGIES.map((s) => observe(s, records));

  test('holds for the default run and for the smallest one', () => {
    expect(keysVerdict({ shardCount: 4, strategies: all() })).toEqual({ ok: true, failures: [] });
    expect(keysVerdict({ shardCount: 4, strategies: all(40) })).toEqual({ ok: true, failures: [] });
  });

  test('fails if Kinesis put a record where its hash range does not predict', () => {
    const verdict = keysVerdict({ shardCount: 4, strategies: [observe('device', 200, 0)] });
    expect(verdict.failures).toContain('device keys: shardId-000000000001 got 79 records, its hash range predicts 80');
    expect(verdict.failures).toContainEqual(expect.stringMatching(/^device keys: 1 device\(s\) on more than one shard$/));
  });

  test('fails if a record was not read back', () => {
    const o = observe('fixed');
    const short = { ...o, shards: o.shards.map((s) => (s.put > 0 ? { ...s, read: s.put - 1 } : s)) };
    expect(keysVerdict({ shardCount: 4, strategies: [short] }).failures).toEqual(['fixed keys: read back 199 of the 200 records put in shardId-000000000002']);
  });

  test('fails if random keys kept every device in order, or a timestamp second spread', () => {
    const random = { ...observe('random'), devicesInOrder: 20 };
    expect(keysVerdict({ shardCount: 4, strategies: [random] }).failures).toEqual([expect.stringMatching(/^random keys kept every device in order/)]);
    const t = observe('timestamp');
    const spread = { ...t, seconds: (t.seconds ?? []).map((s, i) => (i === 3 ? { ...s, hotShare: 0.5 } : s)) };
    expect(keysVerdict({ shardCount: 4, strategies: [spread] }).failures).toEqual([expect.stringMatching(/^timestamp keys: second 3 spread over shards/)]);
  });

  test('fails if the stream has one shard, saying how to get more', () => {
    expect(keysVerdict({ shardCount: 1, strategies: all() }).failures).toEqual([expect.stringMatching(/-c shardCount=4/)]);
  });
});

test('the report names each strategy\'s lesson and plots the hot shard of the timestamp keys', () => {
  const text = renderKeys({ runId: 'r', streamName: 'S', shardCount: 4, recordsPerStrategy: 200, devices: 20, strategies: KEY_STRATEGIES.map((s) => observe(s)) }, PLAIN);
  expect(text).toMatch(/records per shard \(shard 0 \/ shard 1 \/ shard 2 \/ shard 3\)/);
  expect(text).toMatch(/│ fixed +│ sensor-data +│ 0 \/ 0 \/ 200 \/ 0 +│ 4\.00 /);
  expect(text).toMatch(/random: spread, but a device is scattered over shards/);
  expect(text).toMatch(/hot shard index by second:\n +3 ┼/);
});
