import { HOURS_PER_MONTH, unitPrice } from '../../cost/prices';
import { verdictOf, type Verdict } from '../scenario';

/**
 * Sizing a provisioned stream from its producers (Module 6, question 3): a shard takes at most 1 MiB/s
 * or 1,000 records/s of writes, whichever comes first, so the stream needs the larger of the two shard
 * counts; headroom for spikes, hot keys and growth multiplies the minimum. Pure arithmetic from the
 * documented limits and the price table: no stack is read.
 */

/** Kinesis write limits of one shard (Kinesis Data Streams quotas). */
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;
/** The largest data blob one record can carry. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface SizeInput {
  readonly devices: number;
  /** Each device puts one record every this many seconds. */
  readonly intervalSeconds: number;
  readonly recordBytes: number;
  /** Multiplier on the minimum shard count, at least 1. */
  readonly headroom: number;
}

export interface SizeObservations extends SizeInput {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly shardsByRecords: number;
  readonly shardsByBytes: number;
  /** The larger of the two: the limit the producers hit first. */
  readonly minimumShards: number;
  readonly limitedBy: 'records' | 'bytes' | 'both';
  readonly recommendedShards: number;
  /** Share of each limit the recommended stream uses at the given load (0..1). */
  readonly recordsUtilization: number;
  readonly bytesUtilization: number;
  readonly idleCostPerHour: number;
  readonly idleCostPerMonth: number;
  readonly devicesPerShard: number;
}

/** Dollars to a millionth of a cent: shard-hours times a price should print as the price table reads. */
const dollars = (usd: number): number => Math.round(usd * 1e8) / 1e8;

/** Shards for a load, at least one; a float that lands a hair above a whole number is not a shard more. */
function shardsFor(load: number, perShard: number): number {
  return Math.max(1, Math.ceil(Number((load / perShard).toFixed(9))));
}

export function sizeStream(input: SizeInput): SizeObservations {
  const recordsPerSecond = input.devices / input.intervalSeconds;
  const bytesPerSecond = recordsPerSecond * input.recordBytes;
  const shardsByRecords = shardsFor(recordsPerSecond, SHARD_WRITE_RECORDS_PER_SECOND);
  const shardsByBytes = shardsFor(bytesPerSecond, SHARD_WRITE_BYTES_PER_SECOND);
  const minimumShards = Math.max(shardsByRecords, shardsByBytes);
  const recommendedShards = Math.ceil(Number((minimumShards * input.headroom).toFixed(9)));
  const idleCostPerHour = dollars(recommendedShards * unitPrice('kinesis.shardHour'));
  return {
    ...input,
    recordsPerSecond,
    bytesPerSecond,
    shardsByRecords,
    shardsByBytes,
    minimumShards,
    limitedBy: shardsByRecords === shardsByBytes ? 'both' : shardsByRecords > shardsByBytes ? 'records' : 'bytes',
    recommendedShards,
    recordsUtilization: recordsPerSecond / (recommendedShards * SHARD_WRITE_RECORDS_PER_SECOND),
    bytesUtilization: bytesPerSecond / (recommendedShards * SHARD_WRITE_BYTES_PER_SECOND),
    idleCostPerHour,
    idleCostPerMonth: dollars(idleCostPerHour * HOURS_PER_MONTH),
    devicesPerShard: input.devices / recommendedShards,
  };
}

/**
 * Holds when the minimum stream carries the load on both limits, one shard fewer would not, and the
 * recommendation is the minimum times the headroom.
 */
export function sizeVerdict(o: SizeObservations): Verdict {
  const carries = (shards: number): boolean =>
    o.recordsPerSecond <= shards * SHARD_WRITE_RECORDS_PER_SECOND && o.bytesPerSecond <= shards * SHARD_WRITE_BYTES_PER_SECOND;
  const failures: string[] = [];
  if (!carries(o.minimumShards)) failures.push(`${o.minimumShards} shards do not carry ${o.recordsPerSecond} records/s of ${o.recordBytes} B`);
  if (o.minimumShards > 1 && carries(o.minimumShards - 1)) failures.push(`${o.minimumShards - 1} shards already carry the load: ${o.minimumShards} is not the minimum`);
  if (o.recommendedShards < o.minimumShards * o.headroom - 1e-9) {
    failures.push(`the recommendation of ${o.recommendedShards} shards is below the minimum ${o.minimumShards} x headroom ${o.headroom}`);
  }
  return verdictOf(failures);
}
