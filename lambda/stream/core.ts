import { comparableSequenceNumber } from '../shared/codecs';
import { parseStreamEvent, type StreamEvent } from './messages';

/**
 * What every stream consumer does with a batch of one shard: validate each record, then record per
 * (consumer, shard) how many records it processed, the last sequence number, and how many records
 * arrived out of order. No SDK and no environment here: the checkpoint table is a port.
 */

/** One Kinesis record as Lambda delivers it. */
export interface ShardRecord {
  /** Decimal sequence number, growing within the shard. */
  readonly sequenceNumber: string;
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
}

/** A contiguous run of new records, written to the checkpoint table as one conditional update. */
export interface CheckpointRun {
  /** Comparable (zero-padded) sequence number of the run's first record. */
  readonly firstSequenceNumber: string;
  /** Comparable sequence number of the run's last record: the new checkpoint. */
  readonly lastSequenceNumber: string;
  /** Records in the run, added to the processed count. */
  readonly records: number;
  /** Out-of-order records seen since the last applied update, added to the violation count. */
  readonly orderViolations: number;
}

export type AppendResult =
  | { readonly applied: true }
  /** The stored checkpoint is at or past the run's first record; nothing was written. */
  | { readonly applied: false; readonly lastSequenceNumber: string };

export interface CheckpointPort {
  /**
   * Adds the run's counts and moves the checkpoint to its last record, atomically, only if no
   * checkpoint is stored yet or the stored one is below the run's first record.
   */
  appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult>;
  /** Adds out-of-order records that no later run carried. */
  addOrderViolations(key: CheckpointKey, count: number): Promise<void>;
}

export type RecordOutcome =
  /** New in this shard: counted, and the checkpoint moved past it. */
  | { readonly status: 'recorded'; readonly event: StreamEvent }
  /** Same sequence number as the stored checkpoint: delivered again, not counted again. */
  | { readonly status: 'redelivered' }
  /** Below the stored checkpoint: counted as an order violation. */
  | { readonly status: 'outOfOrder' }
  /** Not processed: Lambda retries it (and everything after it in the batch). */
  | { readonly status: 'failed'; readonly reason: string };

interface ValidRecord {
  readonly index: number;
  readonly sequenceNumber: string;
  readonly event: StreamEvent;
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
 * each shard's records are processed as their own batch, with their own checkpoint, in the order they
 * arrived.
 */
export async function processStreamBatch(
  consumer: string,
  records: readonly StreamRecord[],
  checkpoints: CheckpointPort,
): Promise<StreamBatchResult> {
  const byShard = new Map<string, number[]>();
  records.forEach((record, index) => {
    const indices = byShard.get(record.shardId);
    if (indices) indices.push(index);
    else byShard.set(record.shardId, [index]);
  });

  const outcomes: RecordOutcome[] = [];
  const shards: ShardSummary[] = [];
  for (const [shardId, indices] of byShard) {
    const shardRecords = indices.map((index) => records[index] as StreamRecord);
    const shardOutcomes = await processShardBatch({ consumer, shardId, records: shardRecords }, checkpoints);
    indices.forEach((index, i) => (outcomes[index] = shardOutcomes[i] as RecordOutcome));
    shards.push({ shardId, counts: countByStatus(shardOutcomes) });
  }
  return { outcomes, shards };
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
 * Writes: the valid records before the first failure are written as runs of increasing sequence
 * numbers, one conditional update per run (usually the whole batch in one write, instead of one per
 * record). The condition is on the run's FIRST record, so a run is counted only if all of it is new.
 * When it is refused, the store's checkpoint splits the run: records at the checkpoint are
 * redeliveries, records below it are order violations, and the rest is retried as a shorter run.
 * Each refusal drops at least one record, so the loop ends.
 *
 * Kinesis delivers a shard in order, so a lab run should end with no violations. One honest caveat:
 * if an invocation times out after its write, Lambda redelivers the whole batch, and its records
 * before the stored checkpoint count as violations (only the one at the checkpoint is recognisably
 * a redelivery).
 */
export async function processShardBatch(batch: ShardBatch, checkpoints: CheckpointPort): Promise<RecordOutcome[]> {
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
    try {
      valid.push({ index, sequenceNumber: comparableSequenceNumber(record.sequenceNumber), event: parseStreamEvent(record.data) });
    } catch (error) {
      failFrom(index, errorMessage(error));
      break;
    }
  }

  const key: CheckpointKey = { consumer: batch.consumer, shardId: batch.shardId };
  let pendingViolations = 0;
  // The earliest record whose effect is not yet stored: a failed write fails it and everything after.
  let firstUnstored: number | undefined;
  try {
    for (const run of increasingRuns(valid)) {
      let remaining = run;
      while (remaining.length > 0) {
        const first = remaining[0] as ValidRecord;
        const last = remaining[remaining.length - 1] as ValidRecord;
        firstUnstored ??= first.index;
        const result = await checkpoints.appendRun(key, {
          firstSequenceNumber: first.sequenceNumber,
          lastSequenceNumber: last.sequenceNumber,
          records: remaining.length,
          orderViolations: pendingViolations,
        });
        if (result.applied) {
          for (const record of remaining) outcomes[record.index] = { status: 'recorded', event: record.event };
          pendingViolations = 0;
          firstUnstored = undefined;
          break;
        }
        const seen = remaining.filter((record) => record.sequenceNumber <= result.lastSequenceNumber);
        if (seen.length === 0) {
          throw new Error(`checkpoint store refused run from ${first.sequenceNumber} with a lower checkpoint ${result.lastSequenceNumber}`);
        }
        for (const record of seen) {
          if (record.sequenceNumber === result.lastSequenceNumber) {
            outcomes[record.index] = { status: 'redelivered' };
          } else {
            outcomes[record.index] = { status: 'outOfOrder' };
            pendingViolations += 1;
          }
        }
        remaining = remaining.slice(seen.length);
        if (pendingViolations === 0) firstUnstored = undefined;
      }
    }
    if (pendingViolations > 0) {
      await checkpoints.addOrderViolations(key, pendingViolations);
    }
  } catch (error) {
    failFrom(firstUnstored ?? 0, `checkpoint write failed: ${errorMessage(error)}`);
  }
  return outcomes;
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
