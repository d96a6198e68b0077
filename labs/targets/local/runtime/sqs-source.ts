import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { SqsEventSourceSpec } from '../model';
import { sleep } from './abortable-sleep';
import type { RuntimeContext } from './runtime-context';

/**
 * Concurrent pollers (hence environments) of an SQS mapping without ScalingConfig.MaximumConcurrency.
 * Lambda starts at 5 pollers and scales far beyond; locally 5 is the bound.
 */
export const DEFAULT_SQS_MAXIMUM_CONCURRENCY = 5;

/** Long-poll wait of each ReceiveMessage (Lambda uses 20 s; shorter here so the pollers notice `stop()` sooner). */
const WAIT_TIME_SECONDS = 5;
const ERROR_BACKOFF_MS = 1_000;
const SQS_BATCH_LIMIT = 10;

/**
 * An SQS event-source mapping: up to MaximumConcurrency pollers, each receiving a batch (up to
 * batchSize messages, gathered for at most the batching window), invoking the function with it and
 * deleting what succeeded. A function error or timeout deletes nothing: the messages come back after
 * the visibility timeout and the queue's redrive policy takes over, as on AWS.
 *
 * On a FIFO queue the queue itself hands out a message group to one batch at a time (SQS keeps the
 * rest of a group hidden while any of its messages is in flight), so batches of one group never run
 * together, and Lambda retries the failed messages before the group goes on. What the mapping adds is
 * that a failure returns the rest of its group: every message after a failed one in the same group is
 * left on the queue, so a group never skips ahead of a message that has not been processed.
 */
export class SqsSource {
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly context: RuntimeContext,
    private readonly spec: SqsEventSourceSpec,
  ) {}

  get concurrency(): number {
    return this.spec.maximumConcurrency ?? DEFAULT_SQS_MAXIMUM_CONCURRENCY;
  }

  async start(): Promise<void> {
    // Fails the start with a clear error when the queue is missing, instead of a poller retrying forever.
    await this.context.sqs().send(new GetQueueAttributesCommand({ QueueUrl: this.spec.queueUrl, AttributeNames: ['QueueArn'] }));
    for (let index = 0; index < this.concurrency; index += 1) this.loops.push(this.poll());
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.loops);
  }

  private async poll(): Promise<void> {
    // Each loop waits on a signal of its own (AbortSignal.any adds no listener to the runtime's): on the
    // one shared signal, every long poll of every mapping at once is more abort listeners than Node
    // allows before it reports a leak.
    const signal = AbortSignal.any([this.context.signal]);
    const context: RuntimeContext = { ...this.context, signal };
    const pool = this.context.pool(this.spec.functionName);
    // A batch's delete runs while the poller receives the next one (at most one delete outstanding per
    // poller, in order): the processed messages stay invisible until it lands, so nothing is received twice.
    let deleting: Promise<void> = Promise.resolve();
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.receiveBatch(context);
      } catch (error) {
        if (signal.aborted) return;
        this.context.report(this.spec.logicalId, error);
        await sleep(ERROR_BACKOFF_MS, signal);
        continue;
      }
      if (messages.length === 0 || signal.aborted) continue;
      let outcome;
      try {
        outcome = await pool.invoke(this.toEvent(messages));
      } catch (error) {
        // Only a stopped pool throws; the messages return to the queue after the visibility timeout.
        this.context.report(this.spec.logicalId, error);
        continue;
      }
      if (!outcome.ok) continue;
      const failedIds = this.spec.reportBatchItemFailures ? failedMessageIds(outcome.payload, messages) : new Set<string>();
      if (failedIds === undefined) continue;
      const kept = isFifoQueueArn(this.spec.queueArn) ? withRestOfTheirGroups(messages, failedIds) : failedIds;
      const processed = messages.filter((message) => !kept.has(message.MessageId ?? ''));
      const previous = deleting;
      deleting = (async () => {
        await previous;
        try {
          await deleteMessages(this.context, this.spec.queueUrl, processed);
        } catch (error) {
          this.context.report(this.spec.logicalId, error);
        }
      })();
    }
    await deleting;
  }

  /** One batch: the first receive long-polls; with a batching window, more receives fill it until full or the window ends. */
  private async receiveBatch(context: RuntimeContext): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.spec;
    const windowMs = maximumBatchingWindowSeconds * 1000;
    const batch: Message[] = [];
    let deadline: number | undefined;
    while (batch.length < batchSize && !context.signal.aborted) {
      const remainingMs = deadline === undefined ? undefined : deadline - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      const waitSeconds = remainingMs === undefined ? WAIT_TIME_SECONDS : Math.min(20, Math.floor(remainingMs / 1000));
      const received = await receiveMessages(context, this.spec.queueUrl, Math.min(SQS_BATCH_LIMIT, batchSize - batch.length), waitSeconds);
      for (const message of received) {
        // A visibility timeout shorter than the batching window makes a message visible again while
        // the batch is still filling: it is one record, with its newest receipt handle and count.
        const earlier = batch.findIndex((m) => m.MessageId === message.MessageId);
        if (earlier === -1) batch.push(message);
        else batch[earlier] = message;
      }
      if (batch.length === 0) continue;
      if (windowMs === 0) break;
      deadline ??= Date.now() + windowMs;
      if (received.length === 0 && waitSeconds === 0) await sleep(Math.min(50, deadline - Date.now()), context.signal);
    }
    return batch;
  }

  private toEvent(messages: Message[]): SQSEvent {
    return { Records: messages.map((message) => toSqsRecord(message, this.spec.queueArn, this.context.region)) };
  }
}

/** One ReceiveMessage with every attribute, cancelled by `stop()`. */
export async function receiveMessages(
  context: RuntimeContext,
  queueUrl: string,
  maxNumberOfMessages: number,
  waitTimeSeconds: number,
): Promise<Message[]> {
  const response = await context.sqs().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: maxNumberOfMessages,
      WaitTimeSeconds: waitTimeSeconds,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    { abortSignal: context.signal },
  );
  return response.Messages ?? [];
}

export async function deleteMessages(context: RuntimeContext, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
    const chunk = messages.slice(start, start + SQS_BATCH_LIMIT);
    const response = await context.sqs().send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    if (response.Failed !== undefined && response.Failed.length > 0) {
      const reasons = response.Failed.map((failure) => `${failure.Code ?? '?'}: ${failure.Message ?? ''}`).join('; ');
      throw new Error(`could not delete ${response.Failed.length} processed message(s) from ${queueUrl}: ${reasons}`);
    }
  }
}

/** A received message as Lambda hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: (message.Attributes ?? {}) as unknown as SQSRecordAttributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toLambdaAttribute(value)]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const attribute: SQSMessageAttribute = {
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((binary) => Buffer.from(binary).toString('base64')),
    dataType: value.DataType ?? 'String',
  };
  if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
  if (value.BinaryValue !== undefined) attribute.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
  return attribute;
}

export function isFifoQueueArn(queueArn: string): boolean {
  return queueArn.endsWith('.fifo');
}

/**
 * The ids to leave on a FIFO queue after a partial batch failure: each failed message and every message
 * of its group that comes after it in the batch (the batch is in group order, as SQS returned it).
 */
export function withRestOfTheirGroups(messages: readonly Message[], failedIds: ReadonlySet<string>): Set<string> {
  const blockedGroups = new Set<string>();
  const kept = new Set<string>();
  for (const message of messages) {
    const id = message.MessageId ?? '';
    const group = message.Attributes?.MessageGroupId ?? '';
    if (failedIds.has(id)) blockedGroups.add(group);
    if (blockedGroups.has(group)) kept.add(id);
  }
  return kept;
}

/**
 * The ids a partial batch response reports as failed; `undefined` when the response is invalid (an
 * identifier missing, empty or not in the batch), which Lambda treats as a failure of the whole batch.
 */
export function failedMessageIds(payload: unknown, messages: readonly Message[]): Set<string> | undefined {
  if (payload === null || typeof payload !== 'object') return new Set();
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set(messages.map((message) => message.MessageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return undefined;
    failed.add(id);
  }
  return failed;
}
