import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/**
 * The producers of the labs, all on batch APIs: SQS SendMessageBatch (10 entries), SNS PublishBatch
 * (10 entries), Kinesis PutRecords (500 records, 5 MiB). Entries a batch call reports as failed are
 * retried; entries the service rejects as the sender's fault are an error.
 */

export const SQS_BATCH_ENTRIES = 10;
/** SQS bills each 64 KiB of a request as one request: keeping batches under it costs the minimum. */
export const SQS_BATCH_BYTES = 64 * 1024;
export const SNS_BATCH_ENTRIES = 10;
export const SNS_BATCH_BYTES = 256 * 1024;
export const KINESIS_BATCH_RECORDS = 500;
export const KINESIS_BATCH_BYTES = 5 * 1024 * 1024;
const MAX_ATTEMPTS = 5;

/** Splits items into consecutive batches of at most `maxCount` items and `maxBytes` bytes. */
export function chunkBatches<T>(
  items: readonly T[],
  maxCount: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > maxBytes) {
      throw new Error(`an entry of ${size} bytes exceeds the batch limit of ${maxBytes} bytes`);
    }
    if (current.length === maxCount || bytes + size > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface BatchReport {
  /** Batch API calls made, retries included. */
  readonly calls: number;
}

interface FailedEntry {
  readonly Id?: string;
  readonly SenderFault?: boolean;
  readonly Code?: string;
  readonly Message?: string;
}

/** Sends indexed entries in batches, resending only the entries a call reports as failed. */
async function sendWithRetry<T>(
  entries: readonly T[],
  batches: (pending: readonly { id: string; entry: T }[]) => { id: string; entry: T }[][],
  send: (batch: readonly { id: string; entry: T }[]) => Promise<readonly FailedEntry[]>,
  what: string,
): Promise<BatchReport> {
  let pending = entries.map((entry, index) => ({ id: String(index), entry }));
  let calls = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failedIds = new Set<string>();
    for (const batch of batches(pending)) {
      calls++;
      for (const failed of await send(batch)) {
        if (failed.SenderFault === true || attempt === MAX_ATTEMPTS) {
          throw new Error(`${what} rejected entry ${failed.Id}: ${failed.Code ?? 'error'} ${failed.Message ?? ''}`.trim());
        }
        failedIds.add(String(failed.Id));
      }
    }
    pending = pending.filter((p) => failedIds.has(p.id));
    if (pending.length > 0) await sleep(100 * 2 ** attempt);
  }
  return { calls };
}

/** Batches text entries (SQS bodies, SNS messages) by count and UTF-8 size, resending the failed ones. */
function sendTextBatches(
  texts: readonly string[],
  maxEntries: number,
  maxBytes: number,
  what: string,
  send: (batch: readonly { id: string; entry: string }[]) => Promise<readonly FailedEntry[]>,
): Promise<BatchReport> {
  return sendWithRetry(texts, (pending) => chunkBatches(pending, maxEntries, maxBytes, (p) => Buffer.byteLength(p.entry)), send, what);
}

/** Sends `bodies`, each with the message attributes of the same index in `attributes` (if given). */
export async function sendMessageBatches(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  attributes?: readonly Record<string, MessageAttributeValue>[],
): Promise<BatchReport> {
  return sendTextBatches(bodies, SQS_BATCH_ENTRIES, SQS_BATCH_BYTES, 'SendMessageBatch', async (batch) => {
    const entries = batch.map((p) => ({ Id: p.id, MessageBody: p.entry, ...(attributes ? { MessageAttributes: attributes[Number(p.id)] } : {}) }));
    const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    return response.Failed ?? [];
  });
}

export async function publishBatches(sns: SNSClient, topicArn: string, messages: readonly string[]): Promise<BatchReport> {
  return sendTextBatches(messages, SNS_BATCH_ENTRIES, SNS_BATCH_BYTES, 'PublishBatch', async (batch) => {
    const response = await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: batch.map((p) => ({ Id: p.id, Message: p.entry })) }));
    return response.Failed ?? [];
  });
}

export interface KinesisEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

export interface PutRecordResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/**
 * PutRecords in batches; failed entries (throttling, internal errors) are put again, so the result
 * holds every record's shard and sequence number, in the order of `entries`.
 */
export async function putRecordsBatched(
  kinesis: KinesisClient,
  streamName: string,
  entries: readonly KinesisEntry[],
): Promise<BatchReport & { readonly records: PutRecordResult[] }> {
  const results: (PutRecordResult | undefined)[] = entries.map(() => undefined);
  let pending = entries.map((entry, index) => ({ index, entry }));
  let calls = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry: typeof pending = [];
    const size = (p: (typeof pending)[number]): number => p.entry.data.byteLength + Buffer.byteLength(p.entry.partitionKey);
    for (const batch of chunkBatches(pending, KINESIS_BATCH_RECORDS, KINESIS_BATCH_BYTES, size)) {
      calls++;
      const response = await kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: batch.map((p) => ({ Data: p.entry.data, PartitionKey: p.entry.partitionKey })),
        }),
      );
      const records = response.Records ?? [];
      batch.forEach((p, i) => {
        const record = records[i];
        if (record?.ShardId !== undefined && record.SequenceNumber !== undefined && record.ErrorCode === undefined) {
          results[p.index] = { shardId: record.ShardId, sequenceNumber: record.SequenceNumber };
        } else if (attempt === MAX_ATTEMPTS) {
          throw new Error(`PutRecords kept failing for record ${p.index}: ${record?.ErrorCode ?? 'no result'} ${record?.ErrorMessage ?? ''}`.trim());
        } else {
          retry.push(p);
        }
      });
    }
    pending = retry;
    if (pending.length > 0) await sleep(100 * 2 ** attempt);
  }
  return { calls, records: results.map((r) => r as PutRecordResult) };
}

export async function receiveMessages(sqs: SQSClient, queueUrl: string, waitTimeSeconds: number): Promise<Message[]> {
  const response = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: SQS_BATCH_ENTRIES,
      WaitTimeSeconds: waitTimeSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return response.Messages ?? [];
}

/**
 * Makes received messages visible again at once (another run's, or a student's, in a shared queue), so
 * their owner does not wait a visibility timeout for them; 10 per call.
 */
export async function releaseMessages(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  const handles = messages.flatMap((m) => (m.ReceiptHandle ? [m.ReceiptHandle] : []));
  for (let i = 0; i < handles.length; i += SQS_BATCH_ENTRIES) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: handles.slice(i, i + SQS_BATCH_ENTRIES).map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
  }
}

/** Deletes received messages, 10 per call. */
export async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  const handles = messages.flatMap((m) => (m.ReceiptHandle ? [m.ReceiptHandle] : []));
  for (let i = 0; i < handles.length; i += SQS_BATCH_ENTRIES) {
    const response = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: handles.slice(i, i + SQS_BATCH_ENTRIES).map((handle, j) => ({ Id: String(j), ReceiptHandle: handle })),
      }),
    );
    const failed = response.Failed ?? [];
    if (failed.length > 0) {
      throw new Error(`DeleteMessageBatch failed for ${failed.length} message(s): ${failed[0]?.Message ?? failed[0]?.Code ?? ''}`);
    }
  }
}
