import { renderScale } from '../../../labs/report/stream';
import type { ScaleObservations, ScaleRun } from '../../../labs/scenarios/stream';

const run = (consumers: number, idle: number, series: number[]): ScaleRun => ({
  consumers,
  shards: 10,
  idle: Array.from({ length: idle }, (_, i) => `consumer-${consumers - idle + i + 1}`),
  killed: [],
  processed: 1000,
  duplicates: 0,
  elapsedMs: 4000,
  recordsPerSecond: 250,
  overallRecordsPerSecond: 200,
  inputRecordsPerSecond: 1000,
  expectedRecordsPerSecond: 250,
  regime: 'consumer-bound',
  leasesOfKilled: 0,
  takeovers: [],
  stolen: [],
  series,
  timedOut: false,
});

const observations: ScaleObservations = {
  streamName: 'stream',
  shardCount: 10,
  workMs: 20,
  records: 1000,
  rate: 1000,
  kill: 0,
  leaseMs: 2000,
  seriesIntervalMs: 250,
  runs: [run(5, 0, [0, 250, 250]), run(15, 5, [0, 500, 500])],
};

describe('renderScale', () => {
  test('plots each group size under its own label, in plain text', () => {
    const text = renderScale(observations);
    // eslint-disable-next-line no-control-regex -- the point: no terminal escape in the output
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).not.toContain('[object Object]');
    expect(text).toContain('5 consumers, records/s every 250 ms:');
    expect(text).toContain('15 consumers, records/s every 250 ms:');
    expect(text.indexOf('5 consumers, records/s')).toBeLessThan(text.indexOf('15 consumers, records/s'));
  });
});
