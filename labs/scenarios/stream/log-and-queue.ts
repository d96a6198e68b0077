import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import { readStreamEventBody, streamEventBody, type StreamEvent } from '../../../lambda/stream/messages';
import { deleteMessages, releaseMessages, sendMessageBatches, SQS_BATCH_ENTRIES } from '../batching';
import { textOutput } from '../outputs';
import type { ShardRange } from '../stream-routing';
import { putEvents } from './events';
import { readShard, type IteratorStart } from './shard-reader';

/**
 * The log and the queue side by side (Module 6, step 5 and question 2): the same events put in the
 * stream and in the stack's comparison queue, then read back from each. A stream reader is an
 * iterator of its own; a queue has no readers, only receives, and what one receive hands out the
 * next does not see.
 */

export interface LogAndQueue {
  readonly streamName: string;
  readonly queueUrl: string;
}

export function logAndQueue(session: TargetSession<StreamOutput>): LogAndQueue {
  return { streamName: textOutput(session, 'StreamName'), queueUrl: textOutput(session, 'ComparisonQueueUrl') };
}

/**
 * Puts the events in the stream (key: the user) and sends them, as the same JSON, to the queue; returns
 * how many records each shard got, which is what a reader of that shard waits for.
 */
export async function putInBoth(session: TargetSession<StreamOutput>, where: LogAndQueue, events: readonly StreamEvent[]): Promise<Map<string, number>> {
  const { put } = await putEvents(session, where.streamName, events);
  await sendMessageBatches(session.clients.sqs, where.queueUrl, events.map(streamEventBody));
  const perShard = new Map<string, number>();
  for (const p of put) perShard.set(p.shardId, (perShard.get(p.shardId) ?? 0) + 1);
  return perShard;
}

/** Every event of the run in the stream from `start`, shard after shard (each read is a reader of its own). */
export async function readRunFromStream(
  session: TargetSession<StreamOutput>,
  streamName: string,
  ranges: readonly ShardRange[],
  runId: string,
  wanted: ReadonlyMap<string, number>,
  start: IteratorStart,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (const range of ranges) {
    const read = await readShard({ kinesis: session.clients.kinesis, streamName, shardId: range.shardId, start, runId, wanted: wanted.get(range.shardId) ?? 0 });
    for (const record of read.records) if (record.event) events.push(record.event);
  }
  return events;
}

export interface QueueRead {
  readonly events: readonly StreamEvent[];
  /** This run's messages as received, to acknowledge (delete) or leave to come back. */
  readonly messages: readonly Message[];
  /** When the last receive that handed out a message of this run returned. */
  readonly lastReceivedAt: number;
}

/** Empty long polls in a row after which a queue is taken to have nothing visible for this run. */
const EMPTY_RECEIVES = 2;

/**
 * Receives this run's messages until `wanted` are in hand or EMPTY_RECEIVES long polls in a row bring
 * none; each stays hidden for `hideSeconds` (the receive's visibility timeout). Another run's messages
 * are made visible again at once. A message handed out twice within the read counts once.
 */
export async function receiveRunFromQueue(
  session: TargetSession<StreamOutput>,
  queueUrl: string,
  runId: string,
  wanted: number,
  hideSeconds: number,
): Promise<QueueRead> {
  const { sqs } = session.clients;
  const byId = new Map<string, { event: StreamEvent; message: Message }>();
  let empty = 0;
  let lastReceivedAt = 0;
  while (byId.size < wanted && empty < EMPTY_RECEIVES) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: SQS_BATCH_ENTRIES,
        WaitTimeSeconds: 1,
        VisibilityTimeout: hideSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const others: Message[] = [];
    let ours = 0;
    for (const message of Messages) {
      const event = readStreamEventBody(message.Body);
      if (event?.runId === runId) {
        byId.set(String(message.MessageId), { event, message });
        ours++;
      } else {
        others.push(message);
      }
    }
    await releaseMessages(sqs, queueUrl, others);
    if (ours > 0) {
      lastReceivedAt = Date.now();
      empty = 0;
    } else {
      empty++;
    }
  }
  const got = [...byId.values()];
  return { events: got.map((g) => g.event), messages: got.map((g) => g.message), lastReceivedAt };
}

/** Acknowledges received messages: the queue deletes them. */
export async function acknowledge(session: TargetSession<StreamOutput>, queueUrl: string, read: QueueRead): Promise<void> {
  await deleteMessages(session.clients.sqs, queueUrl, read.messages);
}
