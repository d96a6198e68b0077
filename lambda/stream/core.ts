import { comparableSequenceNumber, decodeKinesisData } from '../shared/codecs';
import { StreamEventSchema, type StreamEvent } from './schema';

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

/** Decodes and validates one record's data; the error names the offending field. */
export function parseStreamEvent(data: string): StreamEvent {
  let decoded: unknown;
  try {
    decoded = decodeKinesisData(data);
  } catch (error) {
    throw new Error(`field data: not base64-encoded JSON (${errorMessage(error)})`, { cause: error });
  }
  const parsed = StreamEventSchema.safeParse(decoded);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : '(record)';
      return `field ${field}: ${issue.message}`;
    });
    throw new Error(`invalid stream event: ${issues.join('; ')}`);
  }
  return parsed.data;
}

interface ValidRecord {
  readonly index: number;
  readonly sequenceNumber: string;
  readonly event: StreamEvent;
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
