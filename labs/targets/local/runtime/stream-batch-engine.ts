import { randomUUID } from 'node:crypto';
import type { StreamEventSourceSpec } from '../model';
import { sleep } from './abortable-sleep';
import type { RuntimeContext } from './runtime-context';
import type { FunctionErrorPayload } from './execution-environment';

/** Pause before retrying a failed stream batch (Lambda backs off too; short here so labs stay quick). */
export const STREAM_RETRY_DELAY_MS = 200;

/** Why records were sent to the on-failure destination (`requestContext.condition`). */
export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * What the engine needs to know about one kind of stream record (`R`, as the stream's API returns it)
 * and the record Lambda hands the function for it (`L`). Kinesis and DynamoDB Streams each have one.
 */
export interface StreamRecordKind<R, L> {
  /** Identifies the record in a partial batch response (`itemIdentifier`) and in failure records. */
  sequenceNumber(record: R): string;
  /** When the record entered the stream, in epoch milliseconds: MaximumRecordAgeInSeconds counts from here. */
  arrivalMillis(record: R): number;
  /** Picks the record's lane when ParallelizationFactor is above 1 (partition key, item key). */
  laneKey(record: R): string;
  /** The record as Lambda hands it to the function. */
  toLambdaRecord(record: R, shardId: string): L;
  /** The source's part of the on-failure invocation record, e.g. `{ KinesisBatchInfo: ... }`. */
  batchInfo(shardId: string, records: readonly R[]): Readonly<Record<string, unknown>>;
}

/** The batch description both stream sources send to an on-failure destination, under their own key. */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/** Describes a non-empty batch; `formatTime` renders an arrival (Kinesis keeps milliseconds, DynamoDB Streams seconds). */
export function describeBatch<R>(
  kind: Pick<StreamRecordKind<R, unknown>, 'sequenceNumber' | 'arrivalMillis'>,
  streamArn: string,
  shardId: string,
  records: readonly R[],
  formatTime: (millis: number) => string = (millis) => new Date(millis).toISOString(),
): StreamBatchInfo {
  const first = records[0] as R;
  const last = records[records.length - 1] as R;
  return {
    shardId,
    startSequenceNumber: kind.sequenceNumber(first),
    endSequenceNumber: kind.sequenceNumber(last),
    approximateArrivalOfFirstRecord: formatTime(kind.arrivalMillis(first)),
    approximateArrivalOfLastRecord: formatTime(kind.arrivalMillis(last)),
    batchSize: records.length,
    streamArn,
  };
}

/** The settings of a mapping the engine applies. */
export type StreamBatchSettings = Pick<
  StreamEventSourceSpec,
  | 'logicalId'
  | 'functionName'
  | 'bisectBatchOnFunctionError'
  | 'maximumRetryAttempts'
  | 'maximumRecordAgeSeconds'
  | 'onFailureDestinationArn'
  | 'reportBatchItemFailures'
>;

interface PendingBatch<R> {
  readonly records: readonly R[];
  /** Retries already spent on these records (bisecting does not spend any, as on Lambda). */
  readonly retries: number;
}

type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly retryFrom: number }
  | { readonly kind: 'error'; readonly error: FunctionErrorPayload };

/**
 * Lambda's handling of one stream batch, shared by every stream mapping (Kinesis polling, Kinesis
 * enhanced fan-out, DynamoDB Streams): records older than MaximumRecordAgeInSeconds are dropped; a
 * partial batch response checkpoints before the lowest failed sequence number and retries from there;
 * a function error bisects the batch (when enabled) or retries it, up to MaximumRetryAttempts;
 * exhausted or expired records go to the on-failure destination as Lambda's invocation record, and
 * the shard moves on. Halves and retries run in order, so one shard's records are never processed
 * out of order.
 */
export class StreamBatchEngine<R, L> {
  constructor(
    private readonly context: RuntimeContext,
    private readonly spec: StreamBatchSettings,
    readonly kind: StreamRecordKind<R, L>,
    private readonly retryDelayMs = STREAM_RETRY_DELAY_MS,
  ) {}

  /**
   * `pause` waits between retries; by default on the runtime's signal. A shard processor passes its own:
   * on the one runtime-wide signal, every shard of every mapping retrying at once (a function that
   * times out on a loaded machine) is one abort listener each, which Node reports as a leak past 10.
   */
  async process(shardId: string, records: readonly R[], pause: (ms: number) => Promise<void> = (ms) => sleep(ms, this.context.signal)): Promise<void> {
    const pending: PendingBatch<R>[] = [{ records, retries: 0 }];
    const pool = this.context.pool(this.spec.functionName);
    while (pending.length > 0 && !this.context.signal.aborted) {
      const batch = pending.shift() as PendingBatch<R>;
      const { fresh, expired } = this.splitByAge(batch.records);
      if (expired.length > 0) await this.sendFailure(shardId, expired, 'RecordAgeExceeded', batch.retries, randomUUID());
      if (fresh.length === 0) continue;

      const outcome = await pool.invoke({ Records: fresh.map((record) => this.kind.toLambdaRecord(record, shardId)) });
      const verdict: BatchVerdict = outcome.ok ? this.judge(outcome.payload, fresh) : { kind: 'error', error: outcome.error };
      if (verdict.kind === 'success') continue;
      if (verdict.kind === 'error' && this.spec.bisectBatchOnFunctionError && fresh.length > 1) {
        const middle = Math.ceil(fresh.length / 2);
        pending.unshift({ records: fresh.slice(0, middle), retries: batch.retries }, { records: fresh.slice(middle), retries: batch.retries });
        continue;
      }
      const remaining = verdict.kind === 'partial' ? fresh.slice(verdict.retryFrom) : fresh;
      const retries = batch.retries + 1;
      const unlimited = this.spec.maximumRetryAttempts === -1;
      if (!unlimited && retries > this.spec.maximumRetryAttempts) {
        await this.sendFailure(shardId, remaining, 'RetryAttemptsExhausted', retries, outcome.requestId, verdict.kind === 'error');
        continue;
      }
      await pause(this.retryDelayMs);
      pending.unshift({ records: remaining, retries });
    }
  }

  /** Success, a partial failure (retry from the lowest failed record), or an invalid response (a batch failure). */
  private judge(payload: unknown, records: readonly R[]): BatchVerdict {
    if (!this.spec.reportBatchItemFailures || payload === null || typeof payload !== 'object') return { kind: 'success' };
    const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return { kind: 'success' };
    const invalid: BatchVerdict = {
      kind: 'error',
      error: { errorType: 'InvalidBatchItemFailures', errorMessage: 'the partial batch response names no record of the batch', trace: [] },
    };
    if (!Array.isArray(failures)) return invalid;
    if (failures.length === 0) return { kind: 'success' };
    let lowest: number | undefined;
    for (const failure of failures as unknown[]) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index = typeof id === 'string' && id !== '' ? records.findIndex((record) => this.kind.sequenceNumber(record) === id) : -1;
      if (index === -1) return invalid;
      lowest = lowest === undefined ? index : Math.min(lowest, index);
    }
    return { kind: 'partial', retryFrom: lowest ?? 0 };
  }

  private splitByAge(records: readonly R[]): { fresh: R[]; expired: R[] } {
    const maximumAgeSeconds = this.spec.maximumRecordAgeSeconds;
    if (maximumAgeSeconds === -1) return { fresh: [...records], expired: [] };
    const oldestAllowed = Date.now() - maximumAgeSeconds * 1000;
    const fresh: R[] = [];
    const expired: R[] = [];
    for (const record of records) {
      (this.kind.arrivalMillis(record) < oldestAllowed ? expired : fresh).push(record);
    }
    return { fresh, expired };
  }

  private async sendFailure(
    shardId: string,
    records: readonly R[],
    condition: FailureCondition,
    invokeCount: number,
    requestId: string,
    functionError = false,
  ): Promise<void> {
    const destination = this.spec.onFailureDestinationArn;
    if (destination === undefined || records.length === 0) return;
    const record = {
      requestContext: {
        requestId,
        functionArn: this.context.pool(this.spec.functionName).spec.functionArn,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: functionError ? 'Unhandled' : '',
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      ...this.kind.batchInfo(shardId, records),
    };
    try {
      await this.context.sendToDestination(destination, JSON.stringify(record));
    } catch (error) {
      this.context.report(this.spec.logicalId, error);
    }
  }
}
