import { comparableSequenceNumber } from '../shared/codecs';
import { parseStreamEvent, type StreamEvent } from './messages';

/**
 * What every stream consumer does with a batch of one shard: validate each record, do its work, then
 * record per (consumer, shard, partition key) how many records it processed, the last sequence number,
 * and how many records arrived out of order. Order is checked per partition key, not per shard: with a
 * parallelization factor above 1 Lambda spreads one shard's keys over concurrent batches, keeping each
 * key in order but not the shard. No SDK and no environment here: the checkpoint table and the clock
 * are ports.
 */

/** One Kinesis record as Lambda delivers it. */
export interface ShardRecord {
  /** Decimal sequence number, growing within the shard. */
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's data, base64-encoded. */
  readonly data: string;
}

export interface ShardBatch {
  readonly consumer: string;
  readonly shardId: string;
  /** In shard order, as Lambda delivers them. */
  readonly records: readonly ShardRecord[];
}

export interface CheckpointKey {
  readonly consumer: string;
  readonly shardId: string;
  readonly partitionKey: string;
}

/** A contiguous run of one key's new records, written to the checkpoint table as one conditional update. */
export interface CheckpointRun {
  /** Comparable (zero-padded) sequence number of the run's first record. */
  readonly firstSequenceNumber: string;
  /** Comparable sequence number of the run's last record: the new checkpoint. */
  readonly lastSequenceNumber: string;
  /** Records in the run, added to the processed count. */
  readonly records: number;
  /** Out-of-order records seen since the last applied update, added to the violation count. */
  readonly orderViolations: number;
  /** Epoch milliseconds when the run's first record was processed (kept only for the key's first run). */
  readonly firstProcessedAt: number;
  /** Epoch milliseconds when the run's last record was processed. */
  readonly lastProcessedAt: number;
}

export type AppendResult =
  | { readonly applied: true }
  /** The stored checkpoint is at or past the run's first record; nothing was written. */
  | { readonly applied: false; readonly lastSequenceNumber: string };

export interface CheckpointPort {
  /**
   * Adds the run's counts and moves the key's checkpoint to its last record, atomically, only if no
   * checkpoint is stored yet or the stored one is below the run's first record.
   */
  appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult>;
  /** Adds out-of-order records that no later run carried. */
  addOrderViolations(key: CheckpointKey, count: number): Promise<void>;
}

/** Time as the consumer sees it: when a record was processed, and the per-record work it asks for. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type RecordOutcome =
  /** New for its key: counted, and the key's checkpoint moved past it. */
  | { readonly status: 'recorded'; readonly event: StreamEvent }
  /** Already counted: delivered again with the key's checkpoint record (a retried batch), not counted again. */
  | { readonly status: 'redelivered' }
  /** Below the key's checkpoint, and not a batch delivered again: counted as an order violation. */
  | { readonly status: 'outOfOrder' }
  /** Not processed: Lambda retries it (and everything after it in the batch). */
  | { readonly status: 'failed'; readonly reason: string };

interface ValidRecord {
  readonly index: number;
  readonly sequenceNumber: string;
  readonly event: StreamEvent;
  /** When its work was done (epoch milliseconds). */
  readonly processedAt: number;
}

/** One record of an invocation, as the event source delivers it. */
export interface StreamRecord extends ShardRecord {
  readonly shardId: string;
}

export interface ShardSummary {
  readonly shardId: string;
  readonly counts: Readonly<Record<RecordOutcome['status'], number>>;
}

export interface StreamBatchResult {
  /** One per record, in the invocation's order. */
  readonly outcomes: readonly RecordOutcome[];
  /** What happened in each shard of the invocation, for the log. */
  readonly shards: readonly ShardSummary[];
}

/** `shardId-000000000001:4959...`: Lambda names the shard in each record's event id. */
export function shardIdOfEventId(eventId: string): string {
  return eventId.split(':')[0] ?? eventId;
}

/**
 * Processes one invocation of a consumer. A batch normally holds one shard, but nothing promises it:
 * each shard's records are processed as their own batch, with their own checkpoints, in the order they
 * arrived.
 */
export async function processStreamBatch(
  consumer: string,
  records: readonly StreamRecord[],
  checkpoints: CheckpointPort,
  clock: Clock = systemClock,
): Promise<StreamBatchResult> {
  const outcomes: RecordOutcome[] = [];
  const shards: ShardSummary[] = [];
  for (const [shardId, indices] of groupIndices(records, (record) => record.shardId)) {
    const shardRecords = indices.map((index) => records[index] as StreamRecord);
    const shardOutcomes = await processShardBatch({ consumer, shardId, records: shardRecords }, checkpoints, clock);
    indices.forEach((index, i) => (outcomes[index] = shardOutcomes[i] as RecordOutcome));
    shards.push({ shardId, counts: countByStatus(shardOutcomes) });
  }
  return { outcomes, shards };
}

function groupIndices<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const indices = groups.get(key);
    if (indices) indices.push(index);
    else groups.set(key, [index]);
  });
  return groups;
}

function countByStatus(outcomes: readonly RecordOutcome[]): Record<RecordOutcome['status'], number> {
  const counts = { recorded: 0, redelivered: 0, outOfOrder: 0, failed: 0 };
  for (const outcome of outcomes) counts[outcome.status] += 1;
  return counts;
}

/**
 * Processes one shard's batch and returns one outcome per record, in the batch's order.
 *
 * Stop at the first failure: Lambda retries a Kinesis batch from the lowest failed sequence number,
 * so every record after a failed one is delivered again anyway. Processing those now would process
 * them twice; they are failed without being touched.
 *
 * Each valid record's work (`workMs` of the event, a stand-in for real per-record processing) is done
 * in batch order. Writes: per partition key, the key's records are written as runs of increasing
 * sequence numbers, one conditional update per run (usually one write per key in the batch). The
 * condition is on the run's FIRST record, so a run is counted only if all of it is new. When it is
 * refused, the store's checkpoint splits the run: if the run holds the checkpoint record itself, the
 * records up to it are a batch delivered again (after a timeout Lambda retries the whole batch) and
 * are redeliveries; otherwise the records below the checkpoint are order violations. The rest is
 * retried as a shorter run. Each refusal drops at least one record, so the loop ends.
 */
export async function processShardBatch(batch: ShardBatch, checkpoints: CheckpointPort, clock: Clock = systemClock): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  const failFrom = (index: number, reason: string): void => {
    for (let i = index; i < batch.records.length; i++) {
      outcomes[i] = {
        status: 'failed',
        reason: i === index ? reason : `skipped: record ${batch.records[index]?.sequenceNumber} before it in this batch failed`,
      };
    }
  };

  const valid: ValidRecord[] = [];
  for (const [index, record] of batch.records.entries()) {
    let parsed: { sequenceNumber: string; event: StreamEvent };
    try {
      parsed = { sequenceNumber: comparableSequenceNumber(record.sequenceNumber), event: parseStreamEvent(record.data) };
    } catch (error) {
      failFrom(index, errorMessage(error));
      break;
    }
    if (parsed.event.workMs) await clock.sleep(parsed.event.workMs);
    valid.push({ index, ...parsed, processedAt: clock.now() });
  }

  // Indices whose effect is not yet stored: a failed write fails the lowest of them and everything after.
  const unstored = new Set(valid.map((record) => record.index));
  try {
    for (const [partitionKey, indices] of groupIndices(valid, (record) => batch.records[record.index]?.partitionKey ?? '')) {
      const keyRecords = indices.map((i) => valid[i] as ValidRecord);
      await storeKey({ consumer: batch.consumer, shardId: batch.shardId, partitionKey }, keyRecords, checkpoints, outcomes, unstored);
    }
  } catch (error) {
    failFrom(Math.min(...unstored), `checkpoint write failed: ${errorMessage(error)}`);
  }
  return outcomes;
}

/**
 * Writes one key's records of the batch as conditional runs, setting each record's outcome and taking it
 * out of `unstored` once its effect is stored (a violation once its count is).
 */
async function storeKey(
  key: CheckpointKey,
  records: readonly ValidRecord[],
  checkpoints: CheckpointPort,
  outcomes: RecordOutcome[],
  unstored: Set<number>,
): Promise<void> {
  let pendingViolations: ValidRecord[] = [];
  for (const run of increasingRuns(records)) {
    let remaining = run;
    while (remaining.length > 0) {
      const first = remaining[0] as ValidRecord;
      const last = remaining[remaining.length - 1] as ValidRecord;
      const result = await checkpoints.appendRun(key, {
        firstSequenceNumber: first.sequenceNumber,
        lastSequenceNumber: last.sequenceNumber,
        records: remaining.length,
        orderViolations: pendingViolations.length,
        firstProcessedAt: first.processedAt,
        lastProcessedAt: last.processedAt,
      });
      if (result.applied) {
        for (const record of [...remaining, ...pendingViolations]) unstored.delete(record.index);
        for (const record of remaining) outcomes[record.index] = { status: 'recorded', event: record.event };
        pendingViolations = [];
        break;
      }
      const seen = remaining.filter((record) => record.sequenceNumber <= result.lastSequenceNumber);
      if (seen.length === 0) {
        throw new Error(`checkpoint store refused run from ${first.sequenceNumber} with a lower checkpoint ${result.lastSequenceNumber}`);
      }
      const deliveredAgain = seen.some((record) => record.sequenceNumber === result.lastSequenceNumber);
      for (const record of seen) outcomes[record.index] = { status: deliveredAgain ? 'redelivered' : 'outOfOrder' };
      if (deliveredAgain) for (const record of seen) unstored.delete(record.index);
      else pendingViolations = [...pendingViolations, ...seen];
      remaining = remaining.slice(seen.length);
    }
  }
  if (pendingViolations.length > 0) {
    await checkpoints.addOrderViolations(key, pendingViolations.length);
    for (const record of pendingViolations) unstored.delete(record.index);
  }
}

/** Splits records into maximal runs of strictly increasing sequence numbers. */
function increasingRuns(records: readonly ValidRecord[]): ValidRecord[][] {
  const runs: ValidRecord[][] = [];
  for (const record of records) {
    const current = runs[runs.length - 1];
    const previous = current?.[current.length - 1];
    if (current && previous && previous.sequenceNumber < record.sequenceNumber) {
      current.push(record);
    } else {
      runs.push([record]);
    }
  }
  return runs;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
