import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryOutput } from '../../lib/stacks/delivery-stack';
import { blockedGroups, maxGroupsInFlight, orderViolations, type Arrival } from '../../lambda/delivery/ordering-core';
import type { SequencedMessage } from '../../lambda/delivery/schema';
import { arrivalsKey } from '../../lambda/delivery/stores';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { chunkBatches, SQS_BATCH_BYTES, SQS_BATCH_ENTRIES } from './batching';
import { bodyOfRun, getItems, takeOwnMessages } from './delivery-reads';
import { integerOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface OrderingOptions {
  readonly groups: number;
  readonly perGroup: number;
}

export type QueueKind = 'standard' | 'fifo';
const KINDS: readonly QueueKind[] = ['standard', 'fifo'];

/** What one queue did with the same sequences: order kept or not, groups side by side, what the poison held back. */
export interface QueueOrdering {
  readonly kind: QueueKind;
  readonly groups: number;
  /** Messages sent, the poisoned one included. */
  readonly messages: number;
  /** Messages the consumers processed (every one but the poison, once each, when all went well). */
  readonly delivered: number;
  /** Processings beyond the first of a message (a standard queue delivers at least once: a timed-out batch comes back whole). */
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Arrivals overtaken by a later message of their group, summed over the groups. */
  readonly orderViolations: number;
  readonly maxGroupsInFlight: number;
  /** Groups that stood still for at least one visibility timeout while they had messages left. */
  readonly blockedGroups: number;
  readonly blocked: readonly string[];
  /** Groups whose arrivals are not exactly their sequence without the poison (FIFO must have none). */
  readonly groupsOutOfSequence: number;
}

export interface OrderingObservations {
  readonly runId: string;
  readonly poison: { readonly group: string; readonly seq: number };
  /** How late the standard queue hands out the first message of each group (DelaySeconds). */
  readonly delayedFirstSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly queues: readonly QueueOrdering[];
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

/**
 * The first message of every group reaches the standard queue first but is held back this long
 * (DelaySeconds), as a queue's storage may hand it out late: the rest of the group overtakes it.
 * Long enough for the rest to be processed on a loaded machine, shorter than a visibility timeout, so
 * it is never taken for a blocked group.
 */
export const DELAYED_FIRST_SECONDS = 5;

export const groupName = (index: number): string => `g${index}`;

/** The sequences of the run: `perGroup` messages per group; the second message of the first group is poisoned. */
export function orderingMessages(runId: string, options: OrderingOptions): SequencedMessage[] {
  return Array.from({ length: options.groups }, (_, g) =>
    Array.from({ length: options.perGroup }, (_, seq) => ({ runId, group: groupName(g), seq, poison: g === 0 && seq === 1 })),
  ).flat();
}

/** What each group should show once processed: its sequence without the poisoned message. */
export function expectedSequence(messages: readonly SequencedMessage[], group: string): number[] {
  return messages.filter((m) => m.group === group && !m.poison).map((m) => m.seq);
}

function entry(kind: QueueKind, runId: string, message: SequencedMessage, index: number): SendMessageBatchRequestEntry {
  const base = { Id: String(index), MessageBody: JSON.stringify(message) };
  if (kind === 'fifo') return { ...base, MessageGroupId: message.group, MessageDeduplicationId: `${runId}-${message.group}-${message.seq}` };
  return message.seq === 0 ? { ...base, DelaySeconds: DELAYED_FIRST_SECONDS } : base;
}

/** Sends in order, one batch after the other: a batch's entries keep their order in a FIFO queue. */
async function sendInOrder(sqs: SQSClient, queueUrl: string, entries: readonly SendMessageBatchRequestEntry[], kind: QueueKind): Promise<void> {
  for (const batch of chunkBatches(entries, SQS_BATCH_ENTRIES, SQS_BATCH_BYTES, (e) => Buffer.byteLength(e.MessageBody ?? ''))) {
    const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
    if ((response.Failed ?? []).length > 0) throw new Error(`sending to the ${kind} queue failed for ${response.Failed?.length} message(s): ${response.Failed?.[0]?.Message ?? ''}`);
  }
}

type GroupArrivals = ReadonlyMap<string, readonly Omit<Arrival, 'runId' | 'group'>[]>;

/** Per queue kind, each group's arrivals in the order the consumers appended them. */
async function readArrivals(session: TargetSession<DeliveryOutput>, tableName: string, runId: string, groups: readonly string[]): Promise<Record<QueueKind, GroupArrivals>> {
  const keys = KINDS.flatMap((kind) => groups.map((group) => arrivalsKey(runId, kind, group)));
  const items = await getItems(session.clients.dynamodb, tableName, keys);
  const byKey = new Map(items.map((item) => [String(item['groupKey']), (item['arrivals'] ?? []) as Omit<Arrival, 'runId' | 'group'>[]]));
  const of = (kind: QueueKind): GroupArrivals => new Map(groups.map((group) => [group, byKey.get(arrivalsKey(runId, kind, group).groupKey) ?? []]));
  return { standard: of('standard'), fifo: of('fifo') };
}

/** One queue's observation from its groups' arrivals. */
export function observeQueue(
  kind: QueueKind,
  messages: readonly SequencedMessage[],
  arrivals: GroupArrivals,
  deadLettered: number,
  blockedGapMs: number,
): QueueOrdering {
  const flat = [...arrivals].flatMap(([group, list]) => list.map((a) => ({ ...a, group })));
  const groups = [...arrivals.keys()];
  const blocked = blockedGroups(flat, blockedGapMs);
  const violations = [...arrivals].reduce((total, [group, list]) => total + (orderViolations(list.map((a) => ({ group, seq: a.seq }))).get(group) ?? 0), 0);
  const outOfSequence = groups.filter((group) => JSON.stringify((arrivals.get(group) ?? []).map((a) => a.seq)) !== JSON.stringify(expectedSequence(messages, group)));
  return {
    kind,
    groups: groups.length,
    messages: messages.length,
    delivered: flat.length,
    duplicates: flat.length - new Set(flat.map((a) => `${a.group}#${a.seq}`)).size,
    deadLettered,
    orderViolations: violations,
    maxGroupsInFlight: maxGroupsInFlight(flat),
    blockedGroups: blocked.length,
    blocked,
    groupsOutOfSequence: outOfSequence.length,
  };
}

/**
 * `labs delivery ordering`: the same sequences (G groups of M, the second message of the first group
 * poisoned) into the standard queue, whose first message of each group is handed out late, and into
 * the FIFO queue; waits until every other message was processed and both poisons are dead-lettered.
 */
export async function runOrdering(session: TargetSession<DeliveryOutput>, options: OrderingOptions, ui: Ui): Promise<OrderingObservations> {
  const { sqs } = session.clients;
  const queues: Record<QueueKind, string> = { standard: textOutput(session, 'StandardQueueUrl'), fifo: textOutput(session, 'FifoQueueUrl') };
  const deadLetterQueues: Record<QueueKind, string> = { standard: textOutput(session, 'StandardDeadLetterQueueUrl'), fifo: textOutput(session, 'FifoDeadLetterQueueUrl') };
  const tableName = textOutput(session, 'ArrivalsTableName');
  const visibilityTimeoutSeconds = integerOutput(session, 'VisibilityTimeoutSeconds');
  const maxReceiveCount = integerOutput(session, 'MaxReceiveCount');
  const runId = newRunId();
  const messages = orderingMessages(runId, options);
  const groups = Array.from({ length: options.groups }, (_, g) => groupName(g));
  const poison = messages.find((m) => m.poison) as SequencedMessage;
  ui.log(
    `run ${runId}: ${options.groups} group(s) of ${options.perGroup} into each queue; message ${poison.seq} of ${poison.group} is poisoned ` +
      `(dead-lettered after ${maxReceiveCount} receives, ${visibilityTimeoutSeconds} s apart); the standard queue hands out each group's first message ${DELAYED_FIRST_SECONDS} s late`,
  );
  // The standard queue accepts every group's first message before the rest, so what overtakes it was sent after it.
  const firstFirst = [...messages.filter((m) => m.seq === 0), ...messages.filter((m) => m.seq !== 0)];
  await sendInOrder(sqs, queues.standard, firstFirst.map((m, i) => entry('standard', runId, m, i)), 'standard');
  await sendInOrder(sqs, queues.fifo, messages.map((m, i) => entry('fifo', runId, m, i)), 'fifo');

  const deadLettered: Record<QueueKind, number> = { standard: 0, fifo: 0 };
  const expectedDelivered = messages.length - 1;
  const ours = bodyOfRun(runId);
  const result = await pollUntil({
    // The poison is received maxReceiveCount times, a visibility timeout apart, then moved on the next receive.
    timeoutMs: ((maxReceiveCount + 1) * visibilityTimeoutSeconds + 30) * 1000,
    intervalMs: 500,
    poll: async () => {
      for (const kind of KINDS) deadLettered[kind] += await takeOwnMessages(sqs, deadLetterQueues[kind], ours);
      return readArrivals(session, tableName, runId, groups);
    },
    done: (arrivals) =>
      KINDS.every((kind) => deadLettered[kind] >= 1 && [...arrivals[kind].values()].reduce((total, list) => total + list.length, 0) >= expectedDelivered),
  });
  const gapMs = visibilityTimeoutSeconds * 1000;
  return {
    runId,
    poison: { group: poison.group, seq: poison.seq },
    delayedFirstSeconds: DELAYED_FIRST_SECONDS,
    visibilityTimeoutSeconds,
    maxReceiveCount,
    queues: KINDS.map((kind) => observeQueue(kind, messages, result.state[kind], deadLettered[kind], gapMs)),
    timedOut: result.timedOut,
    elapsedMs: result.elapsedMs,
  };
}

/** The concurrent pools that read the queues (MaximumConcurrency of each mapping). */
export const ORDERING_POOL_CONCURRENCY = 5;

/**
 * What is guaranteed, not what chance shows: on FIFO every group in exactly its order, the poison alone
 * dead-lettered, only its group held back; on the standard queue every message too and the poison
 * dead-lettered, no group held back, and each group's late first message overtaken (at least one
 * violation per group; beyond that, the pool's interleaving decides).
 */
export function orderingVerdict(o: Pick<OrderingObservations, 'queues' | 'poison' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  if (o.timedOut) failures.push('the run did not finish before the deadline: messages still undelivered or a poison not dead-lettered');
  for (const q of o.queues) {
    const name = q.kind === 'fifo' ? 'FIFO queue' : 'standard queue';
    // FIFO: exactly once each; standard: at least once each (its delivery is at-least-once, so a duplicate is allowed, a loss is not).
    const distinct = q.delivered - (q.kind === 'fifo' ? 0 : q.duplicates);
    if (distinct !== q.messages - 1) failures.push(`${name}: ${distinct} message(s) processed, expected every one but the poison ${q.kind === 'fifo' ? 'once' : 'at least once'} (${q.messages - 1})`);
    if (q.deadLettered !== 1) failures.push(`${name}: ${q.deadLettered} message(s) dead-lettered, expected exactly the poison (1)`);
    if (q.maxGroupsInFlight > Math.min(q.groups, ORDERING_POOL_CONCURRENCY)) {
      failures.push(`${name}: ${q.maxGroupsInFlight} groups in flight at once, more than the pool of ${ORDERING_POOL_CONCURRENCY} can hold`);
    }
    if (q.kind === 'fifo') {
      if (q.orderViolations !== 0) failures.push(`FIFO queue: ${q.orderViolations} order violation(s), expected 0`);
      if (q.groupsOutOfSequence !== 0) failures.push(`FIFO queue: ${q.groupsOutOfSequence} group(s) not processed exactly in their order`);
      if (q.blocked.join(',') !== o.poison.group) failures.push(`FIFO queue: blocked group(s) [${q.blocked.join(', ')}], expected only the poison's group (${o.poison.group})`);
    } else {
      if (q.orderViolations < q.groups) failures.push(`standard queue: ${q.orderViolations} order violation(s), expected at least one per group (${q.groups}): each group's late first message is overtaken`);
      if (q.blockedGroups !== 0) failures.push(`standard queue: blocked group(s) [${q.blocked.join(', ')}], expected none: a standard queue has no groups to hold back`);
    }
  }
  return verdictOf(failures);
}
