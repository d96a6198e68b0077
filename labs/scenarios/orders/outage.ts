import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS, type FaultSwitches } from '../../../lambda/orders/faults';
import type { Ui } from '../../report/ui';
import { templateOf, type TargetSession } from '../../targets/target';
import { alarmDefinitionsOf, alarmTimeline, type AlarmDefinition, type AlarmTransition } from '../alarm-evaluation';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { placeOrders } from './api';
import {
  oldestAgeSeconds,
  pendingByService,
  queueSampleOf,
  sampleDepths,
  serviceDepthsOf,
  serviceQueuesOf,
  SERVICES,
  type DepthSample,
  type ServiceDepths,
  type ServiceName,
  type ServiceQueues,
} from './depths';
import { isSettled, isTerminal } from './follow';
import { ordersObservationsOf, ordersVerdict, type OrdersObservations } from './main';
import { CLIENTS, countDeadLettered, ordersDeadlineMs, ordersResources } from './run';
import { planOrders, plannedOrderIds } from './plan';
import { readCharges, readNotifications, readOrders, readStock, seedStock, writeFaults, type OrderRecord } from './tables';

/** How often the lab samples the queues while it follows the orders. */
export const SAMPLE_INTERVAL_MS = 1000;

/** One alarm of the template over the run: its last state, since when, and every change (ms since the start). */
export interface AlarmObservation {
  readonly name: string;
  readonly service: ServiceName;
  readonly metric: AlarmDefinition['metric'];
  readonly state: AlarmTransition['state'];
  readonly since: number;
  readonly transitions: readonly AlarmTransition[];
}

export function alarmObservationsOf(
  definitions: readonly AlarmDefinition[],
  queues: Readonly<Record<ServiceName, ServiceQueues>>,
  samples: readonly DepthSample[],
  startedAt: number,
): AlarmObservation[] {
  const queueSamples = samples.map((s) => queueSampleOf(s, startedAt, queues));
  return definitions.map((definition) => {
    const service = SERVICES.find((s) => queues[s].work.id === definition.queueId || queues[s].deadLetter.id === definition.queueId);
    if (service === undefined) throw new Error(`alarm ${definition.name} watches ${definition.queueId}, which is none of the services' queues`);
    const transitions = alarmTimeline(definition, queueSamples).map((t) => ({ at: t.at - startedAt, state: t.state }));
    const last = transitions[transitions.length - 1] ?? { at: 0, state: 'INSUFFICIENT_DATA' as const };
    return { name: definition.name, service, metric: definition.metric, state: last.state, since: last.at, transitions };
  });
}

/** The age alarm of `service`'s work queue. */
export function ageAlarmOf(alarms: readonly AlarmObservation[], service: ServiceName): AlarmObservation | undefined {
  return alarms.find((a) => a.service === service && a.metric === 'ApproximateAgeOfOldestMessage');
}

export interface OutageObservations extends OrdersObservations {
  /** The switch was on from `from` to `until`; the orders were all accepted at `placedAt`. */
  readonly outage: { readonly service: ServiceName; readonly seconds: number; readonly from: number; readonly placedAt: number; readonly until: number };
  /** ISO time the run started; every `t`, `at` and `since` is in ms after it. */
  readonly startedAt: string;
  readonly alarmPeriodSeconds: number;
  readonly services: readonly ServiceDepths[];
  readonly alarms: readonly AlarmObservation[];
}

export interface OutageRunOptions {
  readonly orders: number;
  readonly service: ServiceName;
  readonly seconds: number;
  readonly ui: Ui;
  /** More to wait for before the run ends (for example, the alarms settled); the samples so far are given. */
  readonly settled?: (samples: readonly DepthSample[], alarms: () => AlarmObservation[]) => boolean;
  /** Checks the options against the age alarm's period read from the template (throws before anything is sent). */
  readonly check?: (alarmPeriodSeconds: number) => void;
}

/**
 * Places a plan's orders with one service's fault switch on for `seconds`, samples the three services'
 * queues every second while following the orders to their terminal states, and evaluates the template's
 * queue alarms over the samples.
 */
export async function runOutage(session: TargetSession<OrdersOutput>, options: OutageRunOptions): Promise<OutageObservations> {
  const resources = ordersResources(session);
  const { dynamodb, sqs } = session.clients;
  const { definitions, queues } = await queuesAndAlarms(session);
  const alarmPeriodSeconds = ageAlarmPeriod(definitions, queues[options.service].work.id);
  options.check?.(alarmPeriodSeconds);
  const runId = newRunId();
  const plan = planOrders(runId, options.orders);
  const orderIds = plannedOrderIds(plan);
  const { ui } = options;

  await seedStock(dynamodb, resources.stockTable, plan.stock);
  const startedAt = Date.now();
  // On until switched off: for `seconds` after the last order was accepted, and until the other two
  // services finished every order (they must manage without the one that is down).
  const down = (until: number): FaultSwitches => ({ ...NO_FAULTS, ...(options.service === 'payment' ? { paymentOutageUntil: until } : { inventoryOutageUntil: until }) });
  await writeFaults(dynamodb, resources.controlTable, down(Number.MAX_SAFE_INTEGER));
  try {
    ui.log(`${options.service} is down from now until ${options.seconds} s after the last of ${plan.orders.length} orders is accepted (run ${runId})`);
    const placed = await placeOrders(resources.apiUrl, plan.orders, { concurrency: Math.min(CLIENTS, plan.orders.length) });
    const placedAt = Date.now();
    const acceptedAt = new Map(placed.filter((p) => p.orderId !== undefined).map((p) => [p.orderId!, p.acceptedAt ?? placedAt]));
    let until: number | undefined;
    const others = SERVICES.filter((s) => s !== options.service);
    const orders = new Map<string, OrderRecord>();
    const notified = new Set<string>();
    const samples: DepthSample[] = [];
    const alarms = () => alarmObservationsOf(definitions, queues, samples, startedAt);
    const progress = ui.progress('terminal orders', orderIds.length);
    const timeoutMs = options.seconds * 1000 + 2 * ordersDeadlineMs(options.orders, resources.poolSize) + 3 * alarmPeriodSeconds * 1000;
    const followed = await pollUntil({
      timeoutMs,
      intervalMs: SAMPLE_INTERVAL_MS,
      poll: async () => {
        const unsettled = orderIds.filter((id) => !isSettled(orders.get(id)));
        for (const order of await readOrders(dynamodb, resources.ordersTable, unsettled)) orders.set(order.orderId, order);
        for (const id of await readNotifications(dynamodb, resources.notificationsTable, orderIds.filter((id) => !notified.has(id)))) notified.add(id);
        const now = Date.now();
        const pending = pendingByService(orderIds, orders, notified);
        const ages = Object.fromEntries(SERVICES.map((s) => [s, oldestAgeSeconds(now, acceptedAt, pending[s])])) as Record<ServiceName, number>;
        const sample = await sampleDepths(sqs, queues, now - startedAt, ages);
        samples.push(sample);
        if (until === undefined && now >= placedAt + options.seconds * 1000 && others.every((s) => pending[s].length === 0 && sample.depth[s] === 0)) {
          until = Date.now();
          await writeFaults(dynamodb, resources.controlTable, down(until));
          ui.log(`${options.service} is back after ${Math.round((until - startedAt) / 1000)} s`);
        }
        return { terminal: orderIds.filter((id) => isTerminal(orders.get(id))).length, settled: orderIds.filter((id) => isSettled(orders.get(id))).length, notified: notified.size, now };
      },
      done: (s) => s.settled === orderIds.length && s.notified === orderIds.length && until !== undefined && (options.settled?.(samples, alarms) ?? true),
      onState: (s) => progress.update(s.terminal, `${s.notified} e-mailed`),
    });
    progress.stop();
    const finalOrders = await readOrders(dynamodb, resources.ordersTable, orderIds);
    const observations = ordersObservationsOf({
      runId,
      plan,
      options: { orders: options.orders, paymentFailureRate: 0 },
      placed,
      orders: finalOrders,
      charges: await readCharges(dynamodb, resources.chargesTable, orderIds),
      stock: await readStock(dynamodb, resources.stockTable, Object.keys(plan.stock)),
      notified: notified.size,
      deadLettered: await countDeadLettered(session, Object.values(resources.deadLetterQueues), orderIds),
      poolSize: resources.poolSize,
      elapsedMs: followed.elapsedMs,
      timeoutMs,
      timedOut: followed.timedOut,
    });
    return {
      ...observations,
      outage: { service: options.service, seconds: options.seconds, from: 0, placedAt: placedAt - startedAt, until: (until ?? Date.now()) - startedAt },
      startedAt: new Date(startedAt).toISOString(),
      alarmPeriodSeconds,
      services: serviceDepthsOf(samples),
      alarms: alarms(),
    };
  } finally {
    await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);
  }
}

/** The three services' queues (URLs and logical ids) and the template's alarm definitions on them. */
export async function queuesAndAlarms(session: TargetSession<OrdersOutput>): Promise<{ definitions: AlarmDefinition[]; queues: Record<ServiceName, ServiceQueues> }> {
  const template = await templateOf(session);
  const queues = serviceQueuesOf(template, {
    PaymentQueueUrl: session.output('PaymentQueueUrl'),
    InventoryQueueUrl: session.output('InventoryQueueUrl'),
    NotificationQueueUrl: session.output('NotificationQueueUrl'),
    PaymentDeadLetterQueueUrl: session.output('PaymentDeadLetterQueueUrl'),
    InventoryDeadLetterQueueUrl: session.output('InventoryDeadLetterQueueUrl'),
    NotificationDeadLetterQueueUrl: session.output('NotificationDeadLetterQueueUrl'),
  });
  return { definitions: alarmDefinitionsOf(template.Resources ?? {}), queues };
}

/** The period of the age alarm on `queueId`, from the template. */
export function ageAlarmPeriod(definitions: readonly AlarmDefinition[], queueId: string): number {
  const alarm = definitions.find((d) => d.queueId === queueId && d.metric === 'ApproximateAgeOfOldestMessage');
  if (alarm === undefined) throw new Error(`the template has no ApproximateAgeOfOldestMessage alarm on ${queueId}`);
  return alarm.periodSeconds;
}

/** An outage must outlast the age alarm's threshold by two samples for the alarm to fire without doubt. */
export function shortestOutageSeconds(alarmPeriodSeconds: number): number {
  return alarmPeriodSeconds + 5;
}

/** The inventory age alarm has fired and come back to OK: nothing more to wait for. */
export function alarmCameBack(alarm: AlarmObservation | undefined): boolean {
  return alarm !== undefined && alarm.state === 'OK' && alarm.transitions.some((t) => t.state === 'ALARM');
}

/**
 * Payment and notification must finish every order while inventory is down (the lab holds the outage
 * until they did, or until its deadline); inventory must still hold every order then, drain after it,
 * and its age alarm must fire during the outage and be OK at the end. How deep the other two queues get
 * depends on their cold starts, so their depths and alarms are reported, not judged.
 */
export function inventoryOutageVerdict(o: OutageObservations): Verdict {
  const failures = [...ordersVerdict(o).failures];
  const depth = (name: ServiceName) => o.services.find((s) => s.name === name);
  const inventory = depth('inventory');
  for (const other of ['payment', 'notification'] as const) {
    const service = depth(other);
    if (service?.drainedAt === undefined || service.drainedAt > o.outage.until) {
      failures.push(`the ${other} queue did not drain while inventory was down (drained at ${describeAt(service?.drainedAt)}, outage until ${o.outage.until} ms)`);
    }
  }
  const othersDrained = o.services.length === 0 ? -1 : o.services[0]!.depthSeries.findIndex((_, i) => o.services.every((s) => s.name === 'inventory' || s.depthSeries[i]?.depth === 0));
  const held = othersDrained >= 0 ? inventory?.depthSeries[othersDrained]?.depth : undefined;
  if (held !== o.orders) failures.push(`when payment and notification had drained, the inventory queue held ${held ?? 'no sample of'} orders, expected all ${o.orders}`);
  if (inventory?.drainedAt === undefined || inventory.drainedAt <= o.outage.until) {
    failures.push(`the inventory queue drained at ${describeAt(inventory?.drainedAt)}, expected after the outage ended at ${o.outage.until} ms`);
  }
  const age = ageAlarmOf(o.alarms, 'inventory');
  const alarmed = age?.transitions.find((t) => t.state === 'ALARM');
  if (alarmed === undefined) failures.push('the inventory age alarm never went to ALARM');
  else if (alarmed.at >= o.outage.until) failures.push(`the inventory age alarm went to ALARM at ${alarmed.at} ms, after the outage ended at ${o.outage.until} ms`);
  if (age !== undefined && age.state !== 'OK') failures.push(`the inventory age alarm ended in ${age.state}, expected OK after the backlog drained`);
  return verdictOf(failures);
}

function describeAt(t: number | undefined): string {
  return t === undefined ? 'never' : `${t} ms`;
}
