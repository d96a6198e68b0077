import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryOutput } from '../../lib/stacks/delivery-stack';
import type { DownstreamMessage } from '../../lambda/delivery/schema';
import { completionKey } from '../../lambda/delivery/stores';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { publishBatches, sendMessageBatches, SQS_BATCH_ENTRIES } from './batching';
import { percentile } from './cdc';
import { bodyOfRun, deadLetteredMessageId, getItems, takeOwnMessages } from './delivery-reads';
import { completionReader, readDownstream, waitForIdleDownstream } from './delivery-downstream';
import { integerOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

/**
 * The four ways the same burst reaches the downstream of K permits, in the order the lab runs them.
 * Push runs last: Lambda retries a push call that was cut short (its invocation killed at its timeout)
 * a while after the lab saw every event settle, and such a late retry takes a permit from whatever
 * runs next; the other three have exact numbers to show.
 */
export const STRATEGIES = ['buffer', 'back-pressure', 'drop', 'push'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface BackpressureOptions {
  readonly burst: number;
  /** K asked for on the command line; the stack's own when absent. */
  readonly capacity?: number;
  /** The strategies to run (the bench runs the buffer alone). @default STRATEGIES */
  readonly strategies?: readonly Strategy[];
}

/** One sample of a strategy's run: `t` ms after the burst arrived. */
export interface Sample {
  readonly t: number;
  /** Messages the buffer queue holds (waiting or being processed); 0 for push, which has no queue. */
  readonly depth: number;
  /** Messages handed to a consumer and not settled yet: the queue's in-flight messages; for push, every event Lambda still holds. */
  readonly inFlight: number;
  /** Permits of the downstream taken at that instant (at most K). */
  readonly downstreamBusy: number;
}

export interface StrategyObservation {
  readonly name: Strategy;
  /** Messages of the burst (all offered at once to the producer). */
  readonly sent: number;
  readonly processed: number;
  readonly deadLettered: number;
  /**
   * Messages both processed and dead-lettered: the call completed, its invocation was then cut short
   * by its timeout, and the retries found the downstream full (push only; 0 when nothing was cut short).
   */
  readonly processedAndDeadLettered: number;
  /** Messages the producer shed instead of sending. */
  readonly dropped: number;
  /** Calls the downstream refused as overloaded. */
  readonly refused: number;
  readonly maxDepth: number;
  readonly maxBusy: number;
  readonly producerWaitMs: number;
  /** From the burst's arrival to the last completion. */
  readonly drainMs: number;
  /** From the burst's arrival at the producer to each processed message's completion. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly series: readonly Sample[];
  readonly timedOut: boolean;
}

export interface BackpressureObservations {
  readonly runId: string;
  readonly burst: number;
  readonly capacity: number;
  readonly workMs: number;
  /** The depth back-pressure keeps the queue under, and the bound drop sheds beyond: 2K. */
  readonly highWaterMark: number;
  /** The strategies the run was to go through; one that timed out ends the run (the next would see its leftovers). */
  readonly planned: readonly Strategy[];
  readonly strategies: readonly StrategyObservation[];
  readonly elapsedMs: number;
}

/** Two rounds of work for the K consumers: enough to keep them busy, little enough to bound the wait. */
export const highWaterMarkFor = (capacity: number): number => 2 * capacity;

const SAMPLE_INTERVAL_MS = 100;
const PRODUCER_POLL_MS = 50;

async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ depth: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  return { depth: Number(Attributes?.ApproximateNumberOfMessages ?? 0) + inFlight, inFlight };
}

/**
 * The order the lab's producer follows for each strategy, as pure decisions: back-pressure sends as
 * many as fit under the mark (at most a batch), drop admits what fits under the bound when the burst
 * arrives and sheds the rest.
 */
export function backPressureRoom(depth: number, mark: number, remaining: number): number {
  return Math.max(0, Math.min(mark - depth, SQS_BATCH_ENTRIES, remaining));
}

export function dropAdmits(depth: number, bound: number, burst: number): number {
  return Math.max(0, Math.min(bound - depth, burst));
}

interface Context {
  readonly session: TargetSession<DeliveryOutput>;
  readonly runId: string;
  readonly burst: number;
  readonly capacity: number;
  readonly workMs: number;
  readonly mark: number;
  readonly ui: Ui;
}

/** Runs one strategy: the burst arrives, the producer does what the strategy says, the lab samples until everything settled. */
async function runStrategy(c: Context, name: Strategy): Promise<StrategyObservation> {
  const { sqs, sns, dynamodb } = c.session.clients;
  const table = textOutput(c.session, 'DownstreamTableName');
  const bufferQueue = textOutput(c.session, 'BufferQueueUrl');
  const deadLetterQueue = textOutput(c.session, name === 'push' ? 'PushDeadLetterQueueUrl' : 'BufferDeadLetterQueueUrl');
  const ours = bodyOfRun(c.runId);
  const messageIds = Array.from({ length: c.burst }, (_, i) => `${name}-${i}`);
  const read = () => readDownstream(dynamodb, table, c.capacity);
  const readCompleted = completionReader(dynamodb, table, c.runId, messageIds);
  const deadLetteredIds = new Set<string>();
  const takeDeadLettered = async () =>
    takeOwnMessages(sqs, deadLetterQueue, ours, (body) => {
      const id = deadLetteredMessageId(body);
      if (id !== undefined) deadLetteredIds.add(id);
    });
  let completedIds: ReadonlySet<string> = new Set();
  /** Messages that completed or were dead-lettered, each once. */
  const settled = () => completedIds.size + [...deadLetteredIds].filter((id) => !completedIds.has(id)).length;
  const before = await waitForIdleDownstream(read, (line) => c.ui.log(line));
  const arrivedAt = Date.now();
  const messages: DownstreamMessage[] = messageIds.map((messageId) => ({ runId: c.runId, messageId, sentAt: arrivedAt }));
  const bodies = messages.map((m) => JSON.stringify(m));

  const series: Sample[] = [];
  let sent = 0;
  let deadLettered = 0;
  let last = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const downstream = await read();
      last = downstream;
      const queue = name === 'push' ? { depth: 0, inFlight: Math.max(0, sent - settled()) } : await queueCounts(sqs, bufferQueue);
      series.push({ t: Date.now() - arrivedAt, depth: queue.depth, inFlight: queue.inFlight, downstreamBusy: downstream.taken });
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();

  let producerWaitMs = 0;
  let producerMaxDepth = 0;
  let expected = c.burst;
  try {
    switch (name) {
      case 'push':
        await publishBatches(sns, textOutput(c.session, 'PushTopicArn'), bodies);
        sent = c.burst;
        break;
      case 'buffer':
        await publishBatches(sns, textOutput(c.session, 'BufferTopicArn'), bodies);
        sent = c.burst;
        break;
      case 'back-pressure':
        // The producer writes straight to the buffer queue, so the depth it reads includes what it sent.
        while (sent < c.burst) {
          const { depth } = await queueCounts(sqs, bufferQueue);
          const room = backPressureRoom(depth, c.mark, c.burst - sent);
          if (room === 0) {
            const waitStart = Date.now();
            await sleep(PRODUCER_POLL_MS);
            producerWaitMs += Date.now() - waitStart;
            continue;
          }
          await sendMessageBatches(sqs, bufferQueue, bodies.slice(sent, sent + room));
          sent += room;
          producerMaxDepth = Math.max(producerMaxDepth, depth + room);
        }
        break;
      case 'drop': {
        const { depth } = await queueCounts(sqs, bufferQueue);
        const admitted = dropAdmits(depth, c.mark, c.burst);
        if (admitted > 0) await sendMessageBatches(sqs, bufferQueue, bodies.slice(0, admitted));
        sent = admitted;
        expected = admitted;
        producerMaxDepth = depth + admitted;
        break;
      }
    }
    const idealMs = (c.burst * c.workMs) / c.capacity;
    // Push waits out Lambda's two asynchronous retries (about 1 and 2 minutes on AWS; 1 and 2 s locally).
    const retriesMs = name === 'push' ? (c.session.target === 'aws' ? 240_000 : 10_000) : 0;
    const result = await pollUntil({
      // A minute more for cold starts: a loaded 2-core machine took that long to start the first environments.
      timeoutMs: 3 * idealMs + retriesMs + 60_000,
      intervalMs: 250,
      poll: async () => {
        deadLettered += await takeDeadLettered();
        // While the buffer queue still holds messages the burst has not settled: the completions (a
        // read of every pending one) are read once it is empty, not beside the consumers' own calls.
        const depth = name === 'push' ? 0 : (await queueCounts(sqs, bufferQueue)).depth;
        if (depth === 0) completedIds = await readCompleted();
        return { settled: settled(), depth };
      },
      done: (s) => s.depth === 0 && s.settled >= expected,
    });
    sampling = false;
    await sampler;
    deadLettered += await takeDeadLettered();
    const items = await getItems(dynamodb, table, messages.slice(0, sent).map((m) => completionKey(c.runId, m.messageId)));
    // Processed and both counted from the same read: a completion landing after the last poll counts in each.
    const itemNames = new Set(items.map((item) => String(item['name'])));
    completedIds = new Set(messageIds.filter((id) => itemNames.has(completionKey(c.runId, id).name)));
    const completedAt = items.map((item) => Number(item['completedAt']));
    const latencies = completedAt.map((at) => at - arrivedAt);
    return {
      name,
      sent: c.burst,
      processed: items.length,
      deadLettered,
      processedAndDeadLettered: [...deadLetteredIds].filter((id) => completedIds.has(id)).length,
      dropped: c.burst - sent,
      refused: last.refused - before.refused,
      maxDepth: Math.max(producerMaxDepth, ...series.map((s) => s.depth)),
      maxBusy: Math.max(0, ...series.map((s) => s.downstreamBusy)),
      producerWaitMs,
      drainMs: completedAt.length > 0 ? Math.max(...completedAt) - arrivedAt : 0,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      series,
      timedOut: result.timedOut,
    };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** `labs delivery backpressure`: the same burst through push, buffer, back-pressure and drop, one after the other. */
export async function runBackpressure(session: TargetSession<DeliveryOutput>, options: BackpressureOptions, ui: Ui): Promise<BackpressureObservations> {
  const capacity = integerOutput(session, 'DownstreamCapacity');
  if (options.capacity !== undefined && options.capacity !== capacity) {
    throw new Error(
      session.target === 'aws'
        ? `${session.stackName} is deployed with a downstream of ${capacity} permits, not ${options.capacity}: redeploy it with \`-c downstreamCapacity=${options.capacity}\`, or leave out --capacity`
        : `the local ${session.stackName} came up with a downstream of ${capacity} permits instead of the ${options.capacity} asked for`,
    );
  }
  const workMs = integerOutput(session, 'WorkMs');
  const mark = highWaterMarkFor(capacity);
  const runId = newRunId();
  const start = Date.now();
  const context: Context = { session, runId, burst: options.burst, capacity, workMs, mark, ui };
  const planned = options.strategies ?? STRATEGIES;
  const strategies: StrategyObservation[] = [];
  for (const name of planned) {
    ui.log(`run ${runId}: a burst of ${options.burst} through ${name} (downstream of ${capacity} permits, ${workMs} ms a call, mark ${mark})`);
    const observation = await runStrategy(context, name);
    strategies.push(observation);
    if (observation.timedOut) break;
  }
  return { runId, burst: options.burst, capacity, workMs, highWaterMark: mark, planned, strategies, elapsedMs: Date.now() - start };
}

/**
 * The numbers each strategy must show. Push's split between processed and dead-lettered depends on
 * when each attempt reaches the semaphore (cold starts, throttling, retry delays against the work), so
 * its verdict is the identity and that overload did happen; every other number is exact.
 */
export function backpressureVerdict(o: Pick<BackpressureObservations, 'capacity' | 'highWaterMark' | 'planned' | 'strategies'>): Verdict {
  const failures: string[] = [];
  const notRun = o.planned.filter((name) => !o.strategies.some((s) => s.name === name));
  if (notRun.length > 0) failures.push(`not run, after a strategy timed out: ${notRun.join(', ')}`);
  for (const s of o.strategies) {
    const name = s.name;
    if (s.timedOut) failures.push(`${name}: the burst had not settled before the deadline`);
    if (s.maxBusy > o.capacity) failures.push(`${name}: ${s.maxBusy} downstream permits taken at once, more than its ${o.capacity}`);
    const exact = (field: 'processed' | 'deadLettered' | 'dropped' | 'refused', expected: number, why: string) => {
      if (s[field] !== expected) failures.push(`${name}: ${field} ${s[field]}, expected ${expected} (${why})`);
    };
    switch (name) {
      case 'push':
        if (s.processed + s.deadLettered - s.processedAndDeadLettered !== s.sent) {
          const both = s.processedAndDeadLettered > 0 ? ` - ${s.processedAndDeadLettered} both` : '';
          failures.push(`push: ${s.processed} processed + ${s.deadLettered} dead-lettered${both}, expected every one of the ${s.sent} sent`);
        }
        if (s.refused === 0) failures.push('push: the downstream refused nothing: the burst should have overloaded it');
        if (s.deadLettered === 0) failures.push('push: nothing dead-lettered: the refused calls should have run out of retries');
        exact('dropped', 0, 'push drops nothing itself');
        break;
      case 'buffer':
      case 'back-pressure':
        exact('processed', s.sent, 'the queue loses nothing');
        exact('deadLettered', 0, 'K consumers never exceed K permits');
        exact('refused', 0, 'K consumers never exceed K permits');
        exact('dropped', 0, 'nothing is shed');
        if (name === 'back-pressure') {
          if (s.maxDepth > o.highWaterMark) failures.push(`back-pressure: the queue held ${s.maxDepth}, above the mark of ${o.highWaterMark}`);
          if (s.sent > o.highWaterMark && s.producerWaitMs === 0) failures.push('back-pressure: the producer never waited, yet the burst is larger than the mark');
        }
        break;
      case 'drop': {
        const dropped = Math.max(0, s.sent - o.highWaterMark);
        exact('dropped', dropped, `the burst beyond the bound of ${o.highWaterMark}`);
        exact('processed', s.sent - dropped, 'what was admitted');
        exact('deadLettered', 0, 'K consumers never exceed K permits');
        if (s.maxDepth > o.highWaterMark) failures.push(`drop: the queue held ${s.maxDepth}, above the bound of ${o.highWaterMark}`);
        break;
      }
    }
  }
  return verdictOf(failures);
}
