import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { readStreamEvent, type StreamEvent } from '../../../lambda/stream/messages';
import type { ShardRange } from '../stream-routing';

/** The open shards of a stream with their hash key ranges. */
export async function listShardRanges(kinesis: KinesisClient, streamName: string): Promise<ShardRange[]> {
  const ranges: ShardRange[] = [];
  let nextToken: string | undefined;
  do {
    const response = await kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    for (const shard of response.Shards ?? []) {
      // Closed shards (after a reshard) take no new records; routing is over the open ones.
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      ranges.push({
        shardId: String(shard.ShardId),
        startingHashKey: String(shard.HashKeyRange?.StartingHashKey),
        endingHashKey: String(shard.HashKeyRange?.EndingHashKey),
      });
    }
    nextToken = response.NextToken;
  } while (nextToken);
  return ranges;
}

export type IteratorStart =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string }
  /** The first record put at or after `timestamp` (or the shard's oldest, if that is later). */
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date };

export interface ReadRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Present when the data is one of this lab's events. */
  readonly event?: StreamEvent;
}

/** What the reader waits with; tests pass a virtual one. */
export interface ReaderClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: ReaderClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * A shard serves 5 GetRecords calls per second, shared by every reader of it: the stream's polling
 * mapping polls each shard about once a second, so the lab keeps to at most 4.
 */
export const GET_RECORDS_INTERVAL_MS = 250;
/**
 * On AWS a record becomes readable some 200 ms or more after PutRecords returned, so an empty answer
 * that says the reader is at the tip does not yet mean the records are not there.
 */
export const DEFAULT_MIN_WAIT_MS = 2_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** Pauses after a throttled call, doubling up to the last one. */
const THROTTLE_BACKOFF_MS = [500, 1_000, 2_000, 4_000];
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'KMSThrottlingException']);

export interface ReadShardOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly shardId: string;
  readonly start: IteratorStart;
  /** The read ends once this many records (of `runId`, when given) are in hand. */
  readonly wanted: number;
  /**
   * Only records of this run count toward `wanted` and are returned.
   * @default - every record counts, and at most `wanted` are returned
   */
  readonly runId?: string;
  /**
   * How long to keep asking, while records are missing, after the reader reached the tip of the shard.
   * @default DEFAULT_MIN_WAIT_MS
   */
  readonly minWaitMs?: number;
  /** @default DEFAULT_READ_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default - the system clock */
  readonly clock?: ReaderClock;
}

export interface ShardRead {
  readonly records: readonly ReadRecord[];
  readonly getRecordsCalls: number;
}

/**
 * Reads a shard from `start` until `wanted` records are in hand; short of them, until the reader is
 * at the tip of the shard and at least `minWaitMs` have passed since it started, or until `timeoutMs`.
 * Calls are paced to GET_RECORDS_INTERVAL_MS, and a throttled call is retried after a growing pause.
 * There is at least one GetRecords, even when nothing is wanted: a reader that owns a shard reads it.
 */
export async function readShard(options: ReadShardOptions): Promise<ShardRead> {
  const { kinesis, runId, wanted } = options;
  const clock = options.clock ?? systemClock;
  const minWaitMs = options.minWaitMs ?? DEFAULT_MIN_WAIT_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const started = clock.now();
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: options.streamName,
      ShardId: options.shardId,
      ShardIteratorType: options.start.type,
      ...(options.start.type === 'AT_SEQUENCE_NUMBER' ? { StartingSequenceNumber: options.start.sequenceNumber } : {}),
      ...(options.start.type === 'AT_TIMESTAMP' ? { Timestamp: options.start.timestamp } : {}),
    }),
  );
  const counts = (record: ReadRecord): boolean => runId === undefined || record.event?.runId === runId;
  const records: ReadRecord[] = [];
  let matching = 0;
  let calls = 0;
  let throttled = 0;
  let lastCallAt: number | undefined;
  let iterator = ShardIterator;
  while (iterator !== undefined && (calls === 0 || clock.now() - started < timeoutMs)) {
    if (lastCallAt !== undefined) {
      const pause = lastCallAt + GET_RECORDS_INTERVAL_MS - clock.now();
      if (pause > 0) await clock.sleep(pause);
    }
    lastCallAt = clock.now();
    calls++;
    let response;
    try {
      response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (error) {
      if (!THROTTLING_ERRORS.has((error as Error).name)) throw error;
      await clock.sleep(THROTTLE_BACKOFF_MS[Math.min(throttled++, THROTTLE_BACKOFF_MS.length - 1)] as number);
      continue;
    }
    throttled = 0;
    for (const record of response.Records ?? []) {
      const event = readStreamEvent(record.Data);
      const read = { sequenceNumber: String(record.SequenceNumber), partitionKey: String(record.PartitionKey), ...(event ? { event } : {}) };
      records.push(read);
      if (counts(read)) matching++;
    }
    if (matching >= wanted) break;
    iterator = response.NextShardIterator;
    const atTip = (response.Records ?? []).length === 0 && (response.MillisBehindLatest ?? 0) === 0;
    if (atTip && clock.now() - started >= minWaitMs) break;
  }
  const kept = runId === undefined ? records.slice(0, wanted) : records.filter(counts);
  return { records: kept, getRecordsCalls: calls };
}
