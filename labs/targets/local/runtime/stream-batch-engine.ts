import { randomUUID } from 'node:crypto';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, type KinesisEventSourceSpec } from '../model';
import { sleep, type RuntimeContext } from './context';
import type { FunctionErrorPayload } from './execution-environment';

/** Pause before retrying a failed stream batch (Lambda backs off too; short here so labs stay quick). */
export const STREAM_RETRY_DELAY_MS = 200;

type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

interface PendingBatch {
  readonly records: readonly KinesisRecord[];
  /** Retries already spent on these records (bisecting does not spend any, as on Lambda). */
  readonly retries: number;
}

type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly retryFrom: number }
  | { readonly kind: 'error'; readonly error: FunctionErrorPayload };

/**
 * Lambda's handling of one stream batch, shared by the polling and the enhanced fan-out mappings:
 * records older than MaximumRecordAgeInSeconds are dropped; a partial batch response checkpoints
 * before the lowest failed sequence number and retries from there; a function error bisects the batch
 * (when enabled) or retries it, up to MaximumRetryAttempts; exhausted or expired records go to the
 * on-failure destination as Lambda's invocation record, and the shard moves on. Halves and retries
 * run in order, so one shard's records are never processed out of order.
 */
export class StreamBatchEngine {
  constructor(
    private readonly context: RuntimeContext,
    private readonly spec: KinesisEventSourceSpec,
    private readonly retryDelayMs = STREAM_RETRY_DELAY_MS,
  ) {}

  async process(shardId: string, records: readonly KinesisRecord[]): Promise<void> {
    const pending: PendingBatch[] = [{ records, retries: 0 }];
    const pool = this.context.pool(this.spec.functionName);
    while (pending.length > 0 && !this.context.signal.aborted) {
      const batch = pending.shift() as PendingBatch;
      const { fresh, expired } = this.splitByAge(batch.records);
      if (expired.length > 0) await this.sendFailure(shardId, expired, 'RecordAgeExceeded', batch.retries, randomUUID());
      if (fresh.length === 0) continue;

      const outcome = await pool.invoke(this.toEvent(shardId, fresh));
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
      await sleep(this.retryDelayMs, this.context.signal);
      pending.unshift({ records: remaining, retries });
    }
  }

  /** Success, a partial failure (retry from the lowest failed record), or an invalid response (a batch failure). */
  private judge(payload: unknown, records: readonly KinesisRecord[]): BatchVerdict {
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
      const index = typeof id === 'string' && id !== '' ? records.findIndex((record) => record.SequenceNumber === id) : -1;
      if (index === -1) return invalid;
      lowest = lowest === undefined ? index : Math.min(lowest, index);
    }
    return { kind: 'partial', retryFrom: lowest ?? 0 };
  }

  private splitByAge(records: readonly KinesisRecord[]): { fresh: KinesisRecord[]; expired: KinesisRecord[] } {
    const maximumAgeSeconds = this.spec.maximumRecordAgeSeconds;
    if (maximumAgeSeconds === -1) return { fresh: [...records], expired: [] };
    const oldestAllowed = Date.now() - maximumAgeSeconds * 1000;
    const fresh: KinesisRecord[] = [];
    const expired: KinesisRecord[] = [];
    for (const record of records) {
      (arrivalOf(record) < oldestAllowed ? expired : fresh).push(record);
    }
    return { fresh, expired };
  }

  private async sendFailure(
    shardId: string,
    records: readonly KinesisRecord[],
    condition: FailureCondition,
    invokeCount: number,
    requestId: string,
    functionError = false,
  ): Promise<void> {
    const destination = this.spec.onFailureDestinationArn;
    if (destination === undefined || records.length === 0) return;
    const first = records[0] as KinesisRecord;
    const last = records[records.length - 1] as KinesisRecord;
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
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date(arrivalOf(first)).toISOString(),
        approximateArrivalOfLastRecord: new Date(arrivalOf(last)).toISOString(),
        batchSize: records.length,
        streamArn: this.spec.streamArn,
      },
    };
    try {
      await this.context.sendToDestination(destination, JSON.stringify(record));
    } catch (error) {
      this.context.report(this.spec.logicalId, error);
    }
  }

  private toEvent(shardId: string, records: readonly KinesisRecord[]): KinesisStreamEvent {
    return { Records: records.map((record) => toKinesisStreamRecord(record, shardId, this.spec, this.context.region)) };
  }
}

function arrivalOf(record: KinesisRecord): number {
  return record.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
}

/** A stream record as Lambda hands it to the function (data base64-encoded, arrival in epoch seconds). */
export function toKinesisStreamRecord(
  record: KinesisRecord,
  shardId: string,
  spec: Pick<KinesisEventSourceSpec, 'streamArn' | 'functionName'>,
  region: string,
): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrivalOf(record) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    // The function's execution role; the local cloud has no IAM, so a stand-in named after the function.
    invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${spec.functionName}-local-role`,
    awsRegion: region,
    eventSourceARN: spec.streamArn,
  };
}
