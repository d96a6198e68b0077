import { busyRecordsPerSecond, estimatedRunSeconds, expectedThroughput, scaleVerdict, throughputSeries, type ScaleRun } from '../../../../labs/scenarios/stream';

describe('expectedThroughput', () => {
  test.each([
    // The seed's 10 shards: without work the group keeps up with the input, whatever its size ("same!")
    { consumers: 5, shards: 10, workMs: 0, rate: 1000, expected: { recordsPerSecond: 1000, regime: 'input-bound' } },
    { consumers: 15, shards: 10, workMs: 0, rate: 1000, expected: { recordsPerSecond: 1000, regime: 'input-bound' } },
    // 20 ms a record: 50 records/s per active consumer, at most one per shard
    { consumers: 5, shards: 10, workMs: 20, rate: 1000, expected: { recordsPerSecond: 250, regime: 'consumer-bound' } },
    { consumers: 10, shards: 10, workMs: 20, rate: 1000, expected: { recordsPerSecond: 500, regime: 'consumer-bound' } },
    { consumers: 15, shards: 10, workMs: 20, rate: 1000, expected: { recordsPerSecond: 500, regime: 'consumer-bound' } },
    // enough consumers for the input: input-bound again
    { consumers: 10, shards: 10, workMs: 5, rate: 1000, expected: { recordsPerSecond: 1000, regime: 'input-bound' } },
  ])('$consumers consumers, $shards shards, $workMs ms: $expected.recordsPerSecond/s', ({ consumers, shards, workMs, rate, expected }) => {
    expect(expectedThroughput(consumers, shards, workMs, rate)).toEqual(expected);
  });

  test('estimatedRunSeconds is the records over the predicted throughput', () => {
    expect(estimatedRunSeconds(5, 10, { records: 1000, rate: 1000, workMs: 20 })).toBe(4);
    expect(estimatedRunSeconds(5, 10, { records: 1000, rate: 1000, workMs: 0 })).toBe(1);
  });
});

describe('throughputSeries', () => {
  test('counts records per interval from the start, as records/s', () => {
    expect(throughputSeries([0, 10, 249, 250, 900], 0, 250)).toEqual([12, 4, 0, 4]);
  });
  test('is empty without records', () => {
    expect(throughputSeries([], 0)).toEqual([]);
  });
});

describe('busyRecordsPerSecond', () => {
  test('counts from the first record until the first shard ran dry, not the tail of the busiest one', () => {
    // two shards at 100 records/s each for 1 s; then shard B alone, 10 records/s for 2 s
    const a = Array.from({ length: 100 }, (_, i) => ({ at: i * 10, shardId: 'a' }));
    const b = [...Array.from({ length: 100 }, (_, i) => ({ at: i * 10 + 5, shardId: 'b' })), ...Array.from({ length: 20 }, (_, i) => ({ at: 1_000 + i * 100, shardId: 'b' }))];
    // first record at 0, shard a's last at 990: the 100 + 99 records of that window over 0.99 s
    expect(busyRecordsPerSecond([...a, ...b])).toBe(201);
  });

  test('falls back to the whole run when a shard ran dry at once, and is 0 without records', () => {
    const processed = [{ at: 0, shardId: 'a' }, ...Array.from({ length: 10 }, (_, i) => ({ at: (i + 1) * 100, shardId: 'b' }))];
    // shard a is done at 0 ms: the whole second counts, 11 records
    expect(busyRecordsPerSecond(processed)).toBe(11);
    expect(busyRecordsPerSecond([])).toBe(0);
  });
});

describe('scaleVerdict', () => {
  const run = (over: Partial<ScaleRun> = {}): ScaleRun => ({
    consumers: 15,
    shards: 10,
    idle: ['consumer-11', 'consumer-12', 'consumer-13', 'consumer-14', 'consumer-15'],
    killed: ['consumer-1'],
    processed: 100,
    duplicates: 0,
    elapsedMs: 1000,
    recordsPerSecond: 100,
    overallRecordsPerSecond: 100,
    inputRecordsPerSecond: 100,
    expectedRecordsPerSecond: 100,
    regime: 'input-bound',
    leasesOfKilled: 1,
    takeovers: [{ shardId: 's0', from: 'consumer-1', to: 'consumer-11', gapMs: 2100, afterRenewalMs: 2000 }],
    stolen: [],
    series: [100],
    timedOut: false,
    ...over,
  });

  test('holds when the counts known in advance are met', () => {
    expect(scaleVerdict({ records: 100, leaseMs: 2000, runs: [run()] })).toEqual({ ok: true, failures: [] });
  });

  test.each([
    { name: 'too few idle', over: { idle: ['consumer-15'] }, failure: '15 consumers: 1 idle, expected 5 (10 shards)' },
    { name: 'a record missing', over: { processed: 99 }, failure: '15 consumers: processed 99 of 100 records' },
    { name: 'a record twice', over: { duplicates: 1 }, failure: '15 consumers: 1 record(s) processed twice' },
    { name: 'a dead shard never taken over', over: { takeovers: [] }, failure: "15 consumers: 0 of the dead consumers' 1 shard(s) taken over" },
    {
      name: 'a takeover before expiry',
      over: { takeovers: [{ shardId: 's0', from: 'consumer-1', to: 'consumer-11', gapMs: 500, afterRenewalMs: 1500 }] },
      failure: '15 consumers: s0 taken over 1500 ms after its last renewal, before the 2000 ms lease expired',
    },
  ])('fails on $name', ({ over, failure }) => {
    expect(scaleVerdict({ records: 100, leaseMs: 2000, runs: [run(over)] }).failures).toEqual([failure]);
  });
});
