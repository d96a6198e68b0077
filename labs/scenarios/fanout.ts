import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import type { FanoutOutput } from '../../lib/stacks/fanout-stack';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { deleteMessages, publishBatches, receiveMessages } from './batching';
import { filterPropagationWindow, propagationNotice, SYSTEM_CLOCK, type Clock } from './filter-propagation';
import { numberOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

/** An order event as the seed's `fanout_pattern.py` publishes it. */
export interface Order {
  readonly orderId: string;
  readonly amount: number;
  readonly timestamp: string;
  readonly items: readonly string[];
}

export interface FanoutOptions {
  readonly orders: number;
  /** How long to wait for deliveries. @default 30 s */
  readonly timeoutMs?: number;
  /** After the expected deliveries, how long to keep listening for unexpected ones. @default 2 s */
  readonly settleSeconds?: number;
  /** While a filter policy may still be propagating, the pause before a failed run is retried. @default 30 s */
  readonly propagationRetryMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

export interface QueueObservation {
  readonly name: string;
  /** What the subscription admits, in words. */
  readonly filter: string;
  /** Distinct orders of this run the queue received. */
  readonly received: number;
  /** Orders of this run the subscription's filter admits. */
  readonly expected: number;
  /** Received orders the filter should have dropped. */
  readonly unexpected: number;
  /** Repeated deliveries of one order (SQS is at-least-once; informative). */
  readonly duplicates: number;
  readonly orderIds: readonly string[];
  /** Messages in the queue's DLQ (informative: on AWS it may hold earlier runs' messages). */
  readonly deadLetterDepth: number;
  /** Deliveries SNS gave up on and dead-lettered through the subscription's redrive policy; expected 0. */
  readonly subscriptionDeadLetterDepth: number;
}

export interface FanoutObservations {
  readonly runId: string;
  readonly minAmount: number;
  readonly publishCalls: number;
  readonly orders: readonly Order[];
  readonly queues: readonly QueueObservation[];
  readonly timedOut: boolean;
  /** Runs made: more than one when a run inside the filter-propagation window was retried. */
  readonly attempts: number;
  /** Until when (ISO time) the stack's filter policies may still have been propagating; absent when not. */
  readonly filterPropagatingUntil?: string;
}

interface QueueSpec {
  readonly name: string;
  readonly urlOutput: FanoutOutput;
  readonly deadLetterUrlOutput: FanoutOutput;
  readonly subscriptionDeadLetterUrlOutput: FanoutOutput;
  describe(minAmount: number): string;
  admits(order: Order, minAmount: number): boolean;
}

type QueueName = 'analytics' | 'inventory' | 'notification';

/** The stack names each queue's outputs after the queue: `AnalyticsQueueUrl`, `AnalyticsDeadLetterQueueUrl`, ... */
function queueSpec(name: QueueName, describe: QueueSpec['describe'], admits: QueueSpec['admits']): QueueSpec {
  const prefix = `${name.charAt(0).toUpperCase()}${name.slice(1)}` as Capitalize<QueueName>;
  return {
    name,
    urlOutput: `${prefix}QueueUrl`,
    deadLetterUrlOutput: `${prefix}DeadLetterQueueUrl`,
    subscriptionDeadLetterUrlOutput: `${prefix}SubscriptionDeadLetterQueueUrl`,
    describe,
    admits,
  };
}

const QUEUES: readonly QueueSpec[] = [
  queueSpec('analytics', () => 'every order', () => true),
  queueSpec('inventory', () => 'every order', () => true),
  queueSpec(
    'notification',
    (min) => `amount >= ${min}`,
    (order, min) => order.amount >= min,
  ),
];

/**
 * N orders whose amounts step evenly around the notification threshold (the middle one exactly at
 * it), so the filter visibly admits some and drops others. Amounts stay positive, in cents.
 */
export function makeOrders(runId: string, count: number, minAmount: number, now = new Date()): Order[] {
  const step = minAmount > 0 ? Math.max(0.01, minAmount / Math.max(count, 2)) : 10;
  return Array.from({ length: count }, (_, i) => {
    const raw = minAmount + (i - Math.floor(count / 2)) * step;
    return {
      orderId: `ORD-${runId}-${1000 + i}`,
      amount: Math.max(0.01, Math.round(raw * 100) / 100),
      timestamp: now.toISOString(),
      items: ['item1', 'item2'],
    };
  });
}

/** With raw delivery the body is the order; without it, SNS's envelope carries it in `Message`. */
export function orderFromBody(body: string | undefined): Order | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const candidate =
      parsed.Type === 'Notification' && typeof parsed.Message === 'string'
        ? (JSON.parse(parsed.Message) as Record<string, unknown>)
        : parsed;
    return typeof candidate.orderId === 'string' && typeof candidate.amount === 'number'
      ? (candidate as unknown as Order)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a queue got exactly what its subscription admits, and SNS dead-lettered nothing on its way. */
export function queueHolds(queue: QueueObservation): boolean {
  return queue.received === queue.expected && queue.unexpected === 0 && queue.subscriptionDeadLetterDepth === 0;
}

export function fanoutVerdict(observations: Pick<FanoutObservations, 'queues' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  for (const queue of observations.queues) {
    if (queue.received !== queue.expected) {
      failures.push(`${queue.name} queue received ${queue.received} of this run's orders, expected ${queue.expected} (${queue.filter})`);
    }
    if (queue.unexpected > 0) {
      failures.push(`${queue.name} queue received ${queue.unexpected} order(s) its filter (${queue.filter}) should have dropped`);
    }
    if (queue.subscriptionDeadLetterDepth > 0) {
      failures.push(
        `SNS dead-lettered ${queue.subscriptionDeadLetterDepth} delivery(ies) to the ${queue.name} queue: check that the queue exists and its policy and key let the topic send, then purge its subscription dead-letter queue`,
      );
    }
  }
  if (failures.length > 0 && observations.timedOut) {
    failures.push('deliveries were still missing when the wait ended');
  }
  return verdictOf(failures);
}

interface QueueState {
  readonly spec: QueueSpec;
  readonly url: string;
  readonly expected: number;
  readonly minAmount: number;
  readonly counts: Map<string, number>;
  unexpected: number;
  drainedAfterDone: boolean;
}

/**
 * Publishes the orders and observes every queue. Right after the stack was created or updated, SNS may
 * not apply the filter policies yet: a run started in that window that does not match the filters
 * is retried (with new orders) rather than judged, so a failed verdict always comes from a run
 * started after the filters certainly applied.
 */
export async function runFanout(session: TargetSession<FanoutOutput>, options: FanoutOptions, ui: Ui): Promise<FanoutObservations> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const window = filterPropagationWindow(session.stackChangedAt, clock.now());
  if (window) ui.log(propagationNotice(session.stackName, window, clock.now()));
  const propagating = window ? { filterPropagatingUntil: new Date(window.settlesAt).toISOString() } : {};
  for (let attempts = 1; ; attempts++) {
    const startedAt = clock.now();
    const observations = { ...(await deliverOnce(session, options, ui)), attempts, ...propagating };
    const { ok, failures } = fanoutVerdict(observations);
    if (ok || !window || startedAt >= window.settlesAt) return observations;
    const pauseMs = Math.max(0, Math.min(options.propagationRetryMs ?? 30_000, window.settlesAt - clock.now()));
    ui.log(`run ${attempts} inside the filter-propagation window: ${failures[0]}; retrying in ${Math.ceil(pauseMs / 1000)} s`);
    await clock.sleep(pauseMs);
  }
}

async function deliverOnce(
  session: TargetSession<FanoutOutput>,
  options: FanoutOptions,
  ui: Ui,
): Promise<Omit<FanoutObservations, 'attempts' | 'filterPropagatingUntil'>> {
  const { sqs, sns } = session.clients;
  const topicArn = textOutput(session, 'TopicArn');
  const minAmount = numberOutput(session, 'NotificationMinAmount');
  const runId = newRunId();
  const orders = makeOrders(runId, options.orders, minAmount);
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const states: QueueState[] = QUEUES.map((spec) => ({
    spec,
    url: textOutput(session, spec.urlOutput),
    expected: orders.filter((o) => spec.admits(o, minAmount)).length,
    minAmount,
    counts: new Map(),
    unexpected: 0,
    drainedAfterDone: false,
  }));

  ui.log(`publishing ${orders.length} orders to ${topicArn} (run ${runId})`);
  const { calls } = await publishBatches(sns, topicArn, orders.map((o) => JSON.stringify(o)));

  const total = states.reduce((sum, s) => sum + s.expected, 0);
  const progress = ui.progress('deliveries', total);
  const settleSeconds = options.settleSeconds ?? 2;
  const received = (s: QueueState): number => s.counts.size;
  const { timedOut } = await pollUntil({
    timeoutMs: options.timeoutMs ?? 30_000,
    intervalMs: 0,
    poll: async () => {
      await Promise.all(
        states
          .filter((s) => !s.drainedAfterDone)
          .map(async (s) => {
            const reachedBefore = received(s) >= s.expected;
            const messages = await receiveMessages(sqs, s.url, reachedBefore ? settleSeconds : 1);
            const ours = takeRunMessages(messages, byId, s);
            await deleteMessages(sqs, s.url, ours);
            if (reachedBefore && ours.length === 0) s.drainedAfterDone = true;
          }),
      );
      return states.reduce((sum, s) => sum + Math.min(received(s), s.expected), 0);
    },
    done: () => states.every((s) => s.drainedAfterDone),
    onState: (count) => progress.update(count),
  });
  progress.stop();

  const queues = await Promise.all(
    states.map(async (s) => ({
      name: s.spec.name,
      filter: s.spec.describe(minAmount),
      received: received(s),
      expected: s.expected,
      unexpected: s.unexpected,
      duplicates: [...s.counts.values()].reduce((sum, n) => sum + n - 1, 0),
      orderIds: [...s.counts.keys()].sort(),
      deadLetterDepth: await queueDepth(session, textOutput(session, s.spec.deadLetterUrlOutput)),
      subscriptionDeadLetterDepth: await queueDepth(session, textOutput(session, s.spec.subscriptionDeadLetterUrlOutput)),
    })),
  );
  return { runId, minAmount, publishCalls: calls, orders, queues, timedOut };
}

/** Counts this run's orders and returns their messages for deletion; other runs' messages are left alone. */
function takeRunMessages(messages: readonly Message[], byId: ReadonlyMap<string, Order>, state: QueueState): Message[] {
  const ours: Message[] = [];
  for (const message of messages) {
    const order = orderFromBody(message.Body);
    const published = order ? byId.get(order.orderId) : undefined;
    if (!order || !published) continue;
    ours.push(message);
    const seen = state.counts.get(order.orderId) ?? 0;
    state.counts.set(order.orderId, seen + 1);
    if (seen === 0 && !state.spec.admits(published, state.minAmount)) state.unexpected++;
  }
  return ours;
}

async function queueDepth(session: TargetSession<FanoutOutput>, queueUrl: string): Promise<number> {
  const response = await session.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(response.Attributes?.ApproximateNumberOfMessages ?? 0);
}
