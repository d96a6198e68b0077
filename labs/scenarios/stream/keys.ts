import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { encodeStreamEvent, type StreamEvent } from '../../../lambda/stream/messages';
import { putRecordsBatched } from '../batching';
import { textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { shardForPartitionKey, type ShardRange } from '../stream-routing';
import { listShardRanges, readShard } from './shard-reader';

/**
 * labs stream keys (Module 6, question 3: "don't use a timestamp, a fixed string, or random"): the same
 * device readings put four times, each time with another partition key. Everything here is
 * deterministic: a record's shard is the MD5 of its key against the shards' hash ranges, the random
 * keys come from a seeded generator and the timestamps from a fixed clock, so the placement is known
 * before a record is put, and the run checks that Kinesis agrees.
 */

export const KEY_STRATEGIES = ['device', 'fixed', 'timestamp', 'random'] as const;
export type KeyStrategy = (typeof KEY_STRATEGIES)[number];

/** Devices sending; each sends one reading a second, as the seed's IoT platform does every 10 s. */
export const KEYS_DEVICES = 20;
/** The fixed string a producer might use for every record. */
export const FIXED_KEY = 'sensor-data';
/** Seed of the generator of the random keys: the same keys on every run. */
export const RANDOM_KEY_SEED = 13;
/** The clock of the readings: 2026-01-01T00:00:00Z, then one reading per device per second. */
export const CLOCK_START_MS = Date.UTC(2026, 0, 1);
/** Device d's reading lands d x this many ms into its second. */
const DEVICE_OFFSET_MS = 40;
/** The device whose read order the report shows. */
export const WATCHED_DEVICE = 'device-01';

export interface DeviceReading {
  readonly index: number;
  readonly deviceId: string;
  /** The device's n-th reading, from 0. */
  readonly seq: number;
  /** Seconds since CLOCK_START_MS. */
  readonly second: number;
  readonly timestamp: string;
}

export function deviceId(d: number): string {
  return `device-${String(d + 1).padStart(2, '0')}`;
}

/** `records` readings: every device's first reading in second 0, their second ones in second 1, ... */
export function deviceReadings(records: number): DeviceReading[] {
  return Array.from({ length: records }, (_, index) => {
    const d = index % KEYS_DEVICES;
    const second = Math.floor(index / KEYS_DEVICES);
    return {
      index,
      deviceId: deviceId(d),
      seq: second,
      second,
      timestamp: new Date(CLOCK_START_MS + second * 1000 + d * DEVICE_OFFSET_MS).toISOString(),
    };
  });
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The partition key of each reading under a strategy; the timestamp key is the reading's second. */
export function partitionKeys(strategy: KeyStrategy, readings: readonly DeviceReading[]): string[] {
  switch (strategy) {
    case 'device':
      return readings.map((r) => r.deviceId);
    case 'fixed':
      return readings.map(() => FIXED_KEY);
    case 'timestamp':
      return readings.map((r) => `${r.timestamp.slice(0, 19)}Z`);
    case 'random': {
      const random = seededRandom(RANDOM_KEY_SEED);
      const hex8 = (): string => Math.floor(random() * 4_294_967_296).toString(16).padStart(8, '0');
      return readings.map(() => `${hex8()}${hex8()}${hex8()}${hex8()}`);
    }
  }
}

/** The shard each key lands in, by MD5 against the hash ranges. */
export function predictShards(keys: readonly string[], ranges: readonly ShardRange[]): string[] {
  return keys.map((key) => shardForPartitionKey(key, ranges) ?? 'none');
}

export interface KeyShardCount {
  readonly shardId: string;
  /** Records the hash ranges put here, computed before the run. */
  readonly predicted: number;
  /** Records PutRecords reported here. */
  readonly put: number;
  /** Records of this strategy read back from TRIM_HORIZON. */
  readonly read: number;
}

/** One second of the timestamp-keyed readings: which shard took them. */
export interface SecondPlacement {
  readonly second: number;
  readonly records: number;
  readonly hotShardId: string;
  /** Share of the second's records on its hottest shard (1: all of them). */
  readonly hotShare: number;
}

export interface KeyStrategyObservation {
  readonly strategy: KeyStrategy;
  readonly records: number;
  readonly distinctKeys: number;
  readonly exampleKeys: readonly string[];
  readonly shards: readonly KeyShardCount[];
  readonly shardsUsed: number;
  readonly hottestShardId: string;
  /** Records on the hottest shard over the mean per shard: 1 is even, the shard count is everything on one. */
  readonly skew: number;
  readonly devices: number;
  /** Devices whose readings all went to one shard. */
  readonly devicesOnOneShard: number;
  /** Devices whose readings a consumer reading every shard in turn got in the order they were taken. */
  readonly devicesInOrder: number;
  /** WATCHED_DEVICE's reading numbers in the order the consumer got them. */
  readonly watchedDeviceOrder: readonly number[];
  /** Timestamp keys only: the hot shard second by second. */
  readonly seconds?: readonly SecondPlacement[];
}

export interface KeysObservations {
  readonly runId: string;
  readonly streamName: string;
  readonly shardCount: number;
  readonly recordsPerStrategy: number;
  readonly devices: number;
  readonly strategies: readonly KeyStrategyObservation[];
}

export interface PlacedReading {
  readonly reading: DeviceReading;
  readonly key: string;
  readonly predictedShardId: string;
  readonly shardId: string;
}

/** What a consumer got: per shard, the reading indices in the order it read them. */
export type ReadBack = ReadonlyMap<string, readonly number[]>;

/**
 * The observation of one strategy from where each reading was predicted and put, and what a consumer
 * that reads the shards one after another (the seed's `read_all_shards`) got back.
 */
export function observeStrategy(strategy: KeyStrategy, ranges: readonly ShardRange[], placed: readonly PlacedReading[], readBack: ReadBack): KeyStrategyObservation {
  const shards = ranges.map((r) => ({
    shardId: r.shardId,
    predicted: placed.filter((p) => p.predictedShardId === r.shardId).length,
    put: placed.filter((p) => p.shardId === r.shardId).length,
    read: readBack.get(r.shardId)?.length ?? 0,
  }));
  const hottest = shards.reduce((a, b) => (b.put > a.put ? b : a), shards[0] as KeyShardCount);
  const mean = placed.length / Math.max(1, ranges.length);
  const byDevice = new Map<string, PlacedReading[]>();
  for (const p of placed) byDevice.set(p.reading.deviceId, [...(byDevice.get(p.reading.deviceId) ?? []), p]);
  const readOrder = ranges.flatMap((r) => readBack.get(r.shardId) ?? []);
  const readings = new Map(placed.map((p) => [p.reading.index, p.reading]));
  const orderOf = (device: string): number[] => readOrder.map((i) => readings.get(i) as DeviceReading).filter((r) => r.deviceId === device).map((r) => r.seq);
  const inOrder = (device: string): boolean => {
    const seqs = orderOf(device);
    return seqs.length === (byDevice.get(device)?.length ?? 0) && seqs.every((s, i) => i === 0 || (seqs[i - 1] as number) < s);
  };
  const devices = [...byDevice.keys()];
  return {
    strategy,
    records: placed.length,
    distinctKeys: new Set(placed.map((p) => p.key)).size,
    exampleKeys: [...new Set(placed.map((p) => p.key))].slice(0, 3),
    shards,
    shardsUsed: shards.filter((s) => s.put > 0).length,
    hottestShardId: hottest.shardId,
    skew: mean === 0 ? 0 : Math.round((hottest.put / mean) * 100) / 100,
    devices: devices.length,
    devicesOnOneShard: devices.filter((d) => new Set(byDevice.get(d)?.map((p) => p.shardId)).size === 1).length,
    devicesInOrder: devices.filter(inOrder).length,
    watchedDeviceOrder: orderOf(WATCHED_DEVICE),
    ...(strategy === 'timestamp' ? { seconds: secondPlacements(placed) } : {}),
  };
}

function secondPlacements(placed: readonly PlacedReading[]): SecondPlacement[] {
  const bySecond = new Map<number, PlacedReading[]>();
  for (const p of placed) bySecond.set(p.reading.second, [...(bySecond.get(p.reading.second) ?? []), p]);
  return [...bySecond].map(([second, inSecond]) => {
    const counts = new Map<string, number>();
    for (const p of inSecond) counts.set(p.shardId, (counts.get(p.shardId) ?? 0) + 1);
    const [hotShardId, hot] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] as [string, number];
    return { second, records: inSecond.length, hotShardId, hotShare: hot / inSecond.length };
  });
}

/**
 * Holds when Kinesis placed every record where its key's MD5 says and a consumer read them all back,
 * and each strategy shows its lesson: device keys spread and keep each device in order; a fixed key puts
 * everything on one shard; random keys spread but scatter a device over shards, out of order; timestamp
 * keys put each second's records on one shard.
 */
export function keysVerdict(o: Pick<KeysObservations, 'shardCount' | 'strategies'>): Verdict {
  if (o.shardCount < 2) {
    return verdictOf([`the stream has ${o.shardCount} shard: every key lands on it, there is no choice to show; deploy with -c shardCount=4 (local: the default)`]);
  }
  const failures: string[] = [];
  for (const s of o.strategies) {
    for (const shard of s.shards) {
      if (shard.put !== shard.predicted) failures.push(`${s.strategy} keys: ${shard.shardId} got ${shard.put} records, its hash range predicts ${shard.predicted}`);
      if (shard.read !== shard.put) failures.push(`${s.strategy} keys: read back ${shard.read} of the ${shard.put} records put in ${shard.shardId}`);
    }
    switch (s.strategy) {
      case 'device':
        if (s.shardsUsed < 2) failures.push(`device keys used ${s.shardsUsed} shard: they should spread`);
        if (s.devicesOnOneShard !== s.devices) failures.push(`device keys: ${s.devices - s.devicesOnOneShard} device(s) on more than one shard`);
        if (s.devicesInOrder !== s.devices) failures.push(`device keys: ${s.devices - s.devicesInOrder} device(s) read out of order`);
        break;
      case 'fixed':
        if (s.shardsUsed !== 1) failures.push(`a fixed key used ${s.shardsUsed} shards: it should put everything on one`);
        break;
      case 'random':
        if (s.shardsUsed < 2) failures.push(`random keys used ${s.shardsUsed} shard: they should spread`);
        if (s.devicesInOrder === s.devices) failures.push('random keys kept every device in order: put more --records, so a device\'s readings scatter over shards');
        break;
      case 'timestamp': {
        const spread = (s.seconds ?? []).filter((sec) => sec.hotShare < 1);
        if (spread.length > 0) failures.push(`timestamp keys: second ${spread[0]?.second} spread over shards; one key per second should cluster it on one`);
        break;
      }
    }
  }
  return verdictOf(failures);
}

export interface KeysOptions {
  readonly records: number;
  readonly strategies: readonly KeyStrategy[];
}

function readingEvent(runId: string, reading: DeviceReading): StreamEvent {
  return { runId, eventId: reading.index, userId: reading.deviceId, action: 'reading', timestamp: reading.timestamp };
}

export async function runKeys(session: TargetSession<StreamOutput>, options: KeysOptions, ui: Ui): Promise<KeysObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const ranges = await listShardRanges(kinesis, streamName);
  const runId = newRunId();
  const readings = deviceReadings(options.records);
  ui.log(`putting ${options.records} readings of ${KEYS_DEVICES} devices into ${streamName} (${ranges.length} shards) with each of ${options.strategies.join(', ')} keys (run ${runId})`);
  const strategies: KeyStrategyObservation[] = [];
  for (const strategy of options.strategies) {
    // Each strategy's records carry their own run id, so a reader tells them from the other strategies'.
    const strategyRun = `${runId}-${strategy}`;
    const keys = partitionKeys(strategy, readings);
    const predicted = predictShards(keys, ranges);
    const { records } = await putRecordsBatched(
      kinesis,
      streamName,
      readings.map((r, i) => ({ data: encodeStreamEvent(readingEvent(strategyRun, r)), partitionKey: keys[i] as string })),
    );
    const placed = readings.map((reading, i) => ({ reading, key: keys[i] as string, predictedShardId: predicted[i] as string, shardId: records[i]?.shardId ?? 'none' }));
    const readBack = new Map<string, number[]>();
    for (const range of ranges) {
      const wanted = placed.filter((p) => p.shardId === range.shardId).length;
      const read = await readShard({ kinesis, streamName, shardId: range.shardId, start: { type: 'TRIM_HORIZON' }, runId: strategyRun, wanted });
      readBack.set(range.shardId, read.records.map((r) => r.event?.eventId ?? -1));
    }
    strategies.push(observeStrategy(strategy, ranges, placed, readBack));
  }
  return { runId, streamName, shardCount: ranges.length, recordsPerStrategy: options.records, devices: Math.min(KEYS_DEVICES, options.records), strategies };
}
