import { renderSize } from '../../../../labs/report/stream-size';
import { sizeStream, sizeVerdict, type SizeInput, type SizeObservations } from '../../../../labs/scenarios/stream/size';

const SEED: SizeInput = { devices: 100_000, intervalSeconds: 10, recordBytes: 1024, headroom: 1.5 };

describe('sizeStream', () => {
  test.each<[string, Partial<SizeInput>, Pick<SizeObservations, 'shardsByRecords' | 'shardsByBytes' | 'minimumShards' | 'limitedBy' | 'recommendedShards'>]>([
    ['the seed: 10,000 records/s of 1 KiB, 10 minimum, 15 recommended', {}, { shardsByRecords: 10, shardsByBytes: 10, minimumShards: 10, limitedBy: 'both', recommendedShards: 15 }],
    ['2 KiB records hit the byte limit first', { recordBytes: 2048 }, { shardsByRecords: 10, shardsByBytes: 20, minimumShards: 20, limitedBy: 'bytes', recommendedShards: 30 }],
    ['100 B records hit the record limit first', { recordBytes: 100 }, { shardsByRecords: 10, shardsByBytes: 1, minimumShards: 10, limitedBy: 'records', recommendedShards: 15 }],
    ['a load just over one shard takes two', { devices: 10_010 }, { shardsByRecords: 2, shardsByBytes: 1, minimumShards: 2, limitedBy: 'records', recommendedShards: 3 }],
    ['a tiny load still takes one shard', { devices: 1, intervalSeconds: 60 }, { shardsByRecords: 1, shardsByBytes: 1, minimumShards: 1, limitedBy: 'both', recommendedShards: 2 }],
    ['no headroom recommends the minimum', { headroom: 1 }, { shardsByRecords: 10, shardsByBytes: 10, minimumShards: 10, limitedBy: 'both', recommendedShards: 10 }],
    ['1 MiB records: one record per second per shard by bytes', { devices: 30, intervalSeconds: 1, recordBytes: 1024 * 1024, headroom: 2 }, { shardsByRecords: 1, shardsByBytes: 30, minimumShards: 30, limitedBy: 'bytes', recommendedShards: 60 }],
  ])('%s', (_name, change, expected) => {
    // GIVEN
    const input = { ...SEED, ...change };
    // WHEN
    const sized = sizeStream(input);
    // THEN
    expect(sized).toMatchObject(expected);
    expect(sizeVerdict(sized)).toEqual({ ok: true, failures: [] });
  });

  test('the seed stream idles at 15 x $0.015 per shard-hour, 730 hours a month', () => {
    const sized = sizeStream(SEED);
    expect(sized.recordsPerSecond).toBe(10_000);
    expect(sized.bytesPerSecond).toBe(10_240_000);
    expect(sized.idleCostPerHour).toBe(0.225);
    expect(sized.idleCostPerMonth).toBe(164.25);
    expect(sized.devicesPerShard).toBeCloseTo(6666.67, 2);
    expect(sized.recordsUtilization).toBeCloseTo(10_000 / 15_000, 10);
  });
});

describe('sizeVerdict', () => {
  const seed = sizeStream(SEED);
  test.each<[string, Partial<SizeObservations>, RegExp[]]>([
    ['fails if the minimum does not carry the load', { minimumShards: 9, recommendedShards: 14 }, [/9 shards do not carry 10000 records\/s of 1024 B/]],
    ['fails if one shard fewer would carry the load', { minimumShards: 11, recommendedShards: 17 }, [/10 shards already carry the load: 11 is not the minimum/]],
    ['fails if the recommendation drops the headroom', { recommendedShards: 14 }, [/recommendation of 14 shards is below the minimum 10 x headroom 1.5/]],
  ])('%s', (_name, change, expected) => {
    const failures = sizeVerdict({ ...seed, ...change }).failures;
    expect(failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(failures[i]).toMatch(pattern));
  });
});

describe('renderSize', () => {
  test('names the minimum, the recommendation and the idle cost of the seed stream', () => {
    const text = renderSize(sizeStream(SEED));
    expect(text).toContain('10,000 records/s of 1,024 B = 9.77 MiB/s');
    expect(text).toContain('minimum: 10 shards (the larger count wins: both limits need the same count)');
    expect(text).toContain('recommended with headroom x1.5: 15 shards');
    expect(text).toContain('$0.225/h, $164.25/month');
  });
});
