import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueSample } from '../alarm-evaluation';
import type { StackTemplate } from '../../targets/target';
import type { OrderRecord } from './tables';

/** The three services the order topic fans out to, in the order the labs show them. */
export const SERVICES = ['payment', 'inventory', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** One service's work queue and dead-letter queue: URL (from the outputs) and logical id (from the template). */
export interface ServiceQueues {
  readonly work: { readonly id: string; readonly url: string };
  readonly deadLetter: { readonly id: string; readonly url: string };
}

const OUTPUT_PREFIX: Readonly<Record<ServiceName, string>> = { payment: 'Payment', inventory: 'Inventory', notification: 'Notification' };

/**
 * The logical ids of the queues behind the stack's queue-URL outputs (each output is `{ Ref: id }`),
 * which the alarms name as their dimension.
 */
export function serviceQueuesOf(template: StackTemplate, urls: Readonly<Record<string, string>>): Record<ServiceName, ServiceQueues> {
  const idOf = (output: string): string => {
    const value = template.Outputs?.[output]?.Value as { Ref?: unknown } | undefined;
    if (typeof value?.Ref !== 'string') throw new Error(`the template's output ${output} is not a Ref to a queue`);
    return value.Ref;
  };
  const url = (output: string): string => {
    const found = urls[output];
    if (found === undefined) throw new Error(`no URL for output ${output}`);
    return found;
  };
  return Object.fromEntries(
    SERVICES.map((service) => {
      const prefix = OUTPUT_PREFIX[service];
      return [
        service,
        {
          work: { id: idOf(`${prefix}QueueUrl`), url: url(`${prefix}QueueUrl`) },
          deadLetter: { id: idOf(`${prefix}DeadLetterQueueUrl`), url: url(`${prefix}DeadLetterQueueUrl`) },
        },
      ];
    }),
  ) as Record<ServiceName, ServiceQueues>;
}

/** Messages in a queue: visible plus in flight (a failing pool keeps its backlog in flight). */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ readonly visible: number; readonly depth: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  const visible = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  return { visible, depth: visible + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

/** The run's orders whose message each service has not finished with yet. */
export function pendingByService(
  orderIds: readonly string[],
  orders: ReadonlyMap<string, OrderRecord>,
  notified: ReadonlySet<string>,
  deadLettered: ReadonlySet<string> = new Set(),
): Record<ServiceName, string[]> {
  const open = (id: string) => !deadLettered.has(id);
  return {
    payment: orderIds.filter((id) => open(id) && orders.get(id)?.payment === undefined),
    inventory: orderIds.filter((id) => open(id) && orders.get(id)?.inventory === undefined),
    notification: orderIds.filter((id) => open(id) && !notified.has(id)),
  };
}

/**
 * SQS's ApproximateAgeOfOldestMessage is a CloudWatch metric, not a queue attribute, so the lab measures
 * it the same way on both targets: the age of the oldest accepted order whose message the service has
 * not finished with (0 when there is none). An order's message is sent when the API accepts it.
 */
export function oldestAgeSeconds(now: number, acceptedAt: ReadonlyMap<string, number>, pending: readonly string[]): number {
  const times = pending.map((id) => acceptedAt.get(id)).filter((t): t is number => t !== undefined);
  return times.length === 0 ? 0 : Math.max(0, Math.floor((now - Math.min(...times)) / 1000));
}

/** One sampling of the three services' queues. */
export interface DepthSample {
  /** ms since the run started. */
  readonly t: number;
  readonly depth: Readonly<Record<ServiceName, number>>;
  readonly ageSeconds: Readonly<Record<ServiceName, number>>;
  readonly deadLetterVisible: Readonly<Record<ServiceName, number>>;
}

/** A depth sample as the alarm evaluation reads it (by queue logical id, epoch ms). */
export function queueSampleOf(sample: DepthSample, startedAt: number, queues: Readonly<Record<ServiceName, ServiceQueues>>): QueueSample {
  const entries = SERVICES.flatMap((service) => [
    [queues[service].work.id, { visible: sample.depth[service], ageOfOldestSeconds: sample.ageSeconds[service] }],
    [queues[service].deadLetter.id, { visible: sample.deadLetterVisible[service], ageOfOldestSeconds: 0 }],
  ]);
  return { t: startedAt + sample.t, queues: Object.fromEntries(entries) };
}

/** Samples every queue of the three services once. */
export async function sampleDepths(
  sqs: SQSClient,
  queues: Readonly<Record<ServiceName, ServiceQueues>>,
  t: number,
  ageSeconds: Readonly<Record<ServiceName, number>>,
): Promise<DepthSample> {
  const depth = {} as Record<ServiceName, number>;
  const deadLetterVisible = {} as Record<ServiceName, number>;
  for (const service of SERVICES) {
    depth[service] = (await queueCounts(sqs, queues[service].work.url)).depth;
    deadLetterVisible[service] = (await queueCounts(sqs, queues[service].deadLetter.url)).visible;
  }
  return { t, depth, ageSeconds, deadLetterVisible };
}

/** One service's depth over the run, for the chart and the JSON. */
export interface ServiceDepths {
  readonly name: ServiceName;
  readonly maxDepth: number;
  readonly depthSeries: readonly { readonly t: number; readonly depth: number }[];
  /** ms since the start after which its queue stayed empty (undefined: never empty at the end). */
  readonly drainedAt?: number;
}

export function serviceDepthsOf(samples: readonly DepthSample[]): ServiceDepths[] {
  return SERVICES.map((name) => {
    const depthSeries = samples.map((s) => ({ t: s.t, depth: s.depth[name] }));
    const lastBusy = depthSeries.map((p) => p.depth > 0).lastIndexOf(true);
    const drained = depthSeries.length > 0 && lastBusy < depthSeries.length - 1;
    return {
      name,
      maxDepth: Math.max(0, ...depthSeries.map((p) => p.depth)),
      depthSeries,
      ...(drained ? { drainedAt: depthSeries[lastBusy + 1]!.t } : {}),
    };
  });
}
