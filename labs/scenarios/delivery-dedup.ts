import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { DeliveryOutput } from '../../lib/stacks/delivery-stack';
import type { SequencedMessage } from '../../lambda/delivery/schema';
import { arrivalsKey } from '../../lambda/delivery/stores';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { chunkBatches, SQS_BATCH_BYTES, SQS_BATCH_ENTRIES } from './batching';
import { getItems, messagesLeft } from './delivery-reads';
import { textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface DedupOptions {
  readonly messages: number;
}

/** One queue's side of the retried send: every message was sent twice. */
export interface DedupQueueObservation {
  readonly sent: number;
  readonly received: number;
  readonly deduplicated: number;
}

export interface DedupObservations {
  readonly runId: string;
  readonly messages: number;
  readonly standard: DedupQueueObservation;
  readonly fifo: DedupQueueObservation;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

type Kind = 'standard' | 'fifo';
const KINDS: readonly Kind[] = ['standard', 'fifo'];

interface ArrivalEntry {
  readonly sqsMessageId?: string;
}

/** The SQS messages a group's arrival list holds, each once however often it was redelivered. */
export function distinctDeliveries(arrivals: readonly ArrivalEntry[]): number {
  return new Set(arrivals.map((arrival, index) => arrival.sqsMessageId ?? `entry-${index}`)).size;
}

/**
 * Sends N messages to both queues, then sends every one of them again, as a producer does whose first
 * answer was lost: the FIFO resend carries the same deduplication id, so within SQS's 5-minute window it
 * is accepted and dropped; the standard queue has no such id and delivers both copies. Waits until both
 * queues are empty, then counts what the consumers processed.
 */
export async function runDedup(session: TargetSession<DeliveryOutput>, options: DedupOptions, ui: Ui): Promise<DedupObservations> {
  const { sqs, dynamodb } = session.clients;
  const queues: Record<Kind, string> = { standard: textOutput(session, 'StandardQueueUrl'), fifo: textOutput(session, 'FifoQueueUrl') };
  const tableName = textOutput(session, 'ArrivalsTableName');
  const runId = newRunId();
  const messages: SequencedMessage[] = Array.from({ length: options.messages }, (_, index) => ({ runId, group: `m${index}`, seq: 0, poison: false }));
  const entries = (kind: Kind): SendMessageBatchRequestEntry[] =>
    messages.map((message, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
      ...(kind === 'fifo' ? { MessageGroupId: message.group, MessageDeduplicationId: `${runId}-${message.group}` } : {}),
    }));
  ui.log(`run ${runId}: ${options.messages} message(s) to each queue, then the same again (the producer never saw the first answer)`);
  for (const attempt of ['first send', 'retry']) {
    for (const kind of KINDS) {
      for (const batch of chunkBatches(entries(kind), SQS_BATCH_ENTRIES, SQS_BATCH_BYTES, (entry) => Buffer.byteLength(entry.MessageBody ?? ''))) {
        const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues[kind], Entries: batch }));
        if ((response.Failed ?? []).length > 0) throw new Error(`${attempt} to the ${kind} queue failed for ${response.Failed?.length} message(s): ${response.Failed?.[0]?.Message ?? ''}`);
      }
    }
  }
  // Copies delivered: distinct SQS messages processed. A batch cut short by its timeout comes back
  // whole, and its records processed before the cut are processed again under the same SQS message id.
  const received = async (kind: Kind): Promise<number> => {
    const items = await getItems(dynamodb, tableName, messages.map((message) => arrivalsKey(runId, kind, message.group)));
    return items.reduce((total, item) => total + distinctDeliveries((item['arrivals'] as ArrivalEntry[] | undefined) ?? []), 0);
  };
  const result = await pollUntil({
    timeoutMs: 60_000,
    intervalMs: 300,
    poll: async () => ({ depths: (await messagesLeft(sqs, queues.standard)) + (await messagesLeft(sqs, queues.fifo)), standard: await received('standard'), fifo: await received('fifo') }),
    // Both queues empty and the standard queue's copies all processed: nothing else can arrive.
    done: (state) => state.depths === 0 && state.standard >= 2 * options.messages,
  });
  const side = (count: number): DedupQueueObservation => ({ sent: 2 * options.messages, received: count, deduplicated: 2 * options.messages - count });
  return { runId, messages: options.messages, standard: side(result.state.standard), fifo: side(result.state.fifo), timedOut: result.timedOut, elapsedMs: result.elapsedMs };
}

/** The standard queue delivered every copy; the FIFO queue dropped each retry within its deduplication window. */
export function dedupVerdict(o: DedupObservations): Verdict {
  const failures: string[] = [];
  if (o.timedOut) failures.push('the queues did not drain before the deadline');
  if (o.standard.received !== 2 * o.messages) failures.push(`standard queue: ${o.standard.received} delivered, expected both copies of each message (${2 * o.messages})`);
  if (o.fifo.received !== o.messages) failures.push(`FIFO queue: ${o.fifo.received} delivered, expected each message once (${o.messages}): the retry should have been deduplicated`);
  return verdictOf(failures);
}
