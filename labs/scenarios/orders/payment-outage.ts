import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS } from '../../../lambda/orders/faults';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { integerOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { placeOrders, type PlacedOrder } from './api';
import { breakerFailures, breakerObservationsOf, type BreakerObservations } from './breaker';
import { oldestAgeSeconds, pendingByService, sampleDepths, serviceDepthsOf, SERVICES, type DepthSample, type ServiceDepths, type ServiceName } from './depths';
import { isSettled } from './follow';
import { stockAccount, type StockAccount } from './main';
import { CLIENTS, ordersDeadlineMs, ordersResources } from './run';
import { ageAlarmPeriod, alarmObservationsOf, queuesAndAlarms, SAMPLE_INTERVAL_MS, type AlarmObservation } from './outage';
import { planOrders, plannedOrderIds, type OrderPlan } from './plan';
import { peekOrderMessages } from './queues';
import { readBreaker, readCharges, readNotifications, readOrders, readProviderCalls, readStock, readTransitions, seedStock, writeFaults, type OrderRecord } from './tables';

/** Orders placed once the provider is back: the first payment is the half-open probe that closes the breaker. */
export const RECOVERY_ORDERS = 3;
/** How long a worker may still act on the outage switch it cached (deciding-worker's fault cache is 1 s). */
const FAULTS_CACHE_MARGIN_MS = 1500;

export interface PaymentOutageOptions {
  readonly orders: number;
  readonly seconds: number;
}

/** What `labs orders outage payment` expects, from its two plans, before it starts. */
export interface PaymentOutageExpected {
  /** Every order placed during the outage exhausts its payment deliveries. */
  readonly deadLettered: number;
  readonly confirmed: number;
  /** The recovery orders' rejections, and the outage orders inventory refused (those end without payment). */
  readonly rejected: number;
  /** Outage orders waiting for payment in the DLQ (until `labs orders redrive`). */
  readonly pending: number;
}

export function paymentOutageExpected(outage: OrderPlan, recovery: OrderPlan): PaymentOutageExpected {
  const refused = outage.contending - outage.scarceUnits;
  return {
    deadLettered: outage.orders.length,
    confirmed: recovery.expected.confirmed,
    rejected: refused + recovery.expected.rejected,
    pending: outage.orders.length - refused,
  };
}

export interface PaymentOutageObservations {
  readonly runId: string;
  /** ISO time the run started; every `t`, `at` and `since` is in ms after it. */
  readonly startedAt: string;
  /** Orders placed: during the outage, then after it. */
  readonly orders: number;
  readonly ordersDuringOutage: number;
  readonly ordersAfterRecovery: number;
  readonly accepted: number;
  readonly outage: { readonly service: 'payment'; readonly seconds: number; readonly from: number; readonly placedAt: number; readonly until: number };
  readonly confirmed: number;
  readonly rejected: number;
  /** Orders not terminal at the end: waiting in the DLQ for payment. */
  readonly pending: number;
  /** This run's order messages in each dead-letter queue. */
  readonly deadLettered: number;
  readonly deadLetteredByQueue: Readonly<Record<ServiceName, number>>;
  readonly expected: PaymentOutageExpected;
  readonly charges: number;
  readonly notified: number;
  readonly stock: StockAccount;
  readonly breaker: BreakerObservations;
  readonly alarmPeriodSeconds: number;
  readonly services: readonly ServiceDepths[];
  readonly alarms: readonly AlarmObservation[];
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}

/**
 * How long the run may take: the outage holds until every order has used its payment deliveries (one
 * per cool-down or per delivery backoff, maxReceiveCount of them), then the recovery orders pass.
 */
export function paymentOutageDeadlineMs(options: PaymentOutageOptions, coolDownMs: number, poolSize: number): number {
  return options.seconds * 1000 + 6 * 8 * Math.max(coolDownMs, 2000) + ordersDeadlineMs(options.orders + RECOVERY_ORDERS, poolSize);
}

/**
 * Switches the payment provider off, places the orders, and holds the outage `seconds` after the last
 * was accepted and until the payment queue has dead-lettered every one (inventory and notification
 * finish theirs meanwhile). Then the provider is back, a few more orders come, the first payment
 * probes the half-open breaker and closes it. The queues are sampled every second, the template's
 * alarms evaluated over the samples, and the breaker's record read at the end.
 */
export async function runPaymentOutage(session: TargetSession<OrdersOutput>, options: PaymentOutageOptions, ui: Ui): Promise<PaymentOutageObservations> {
  const resources = ordersResources(session);
  const { dynamodb, sqs } = session.clients;
  const { definitions, queues } = await queuesAndAlarms(session);
  const alarmPeriodSeconds = ageAlarmPeriod(definitions, queues.payment.work.id);
  const policy = { failureThreshold: integerOutput(session, 'BreakerFailureThreshold'), coolDownMs: integerOutput(session, 'BreakerCoolDownMs') };
  const runId = newRunId();
  const outagePlan = planOrders(runId, options.orders);
  const recoveryPlan = planOrders(`${runId}-after`, RECOVERY_ORDERS);
  const outageIds = plannedOrderIds(outagePlan);
  const recoveryIds = plannedOrderIds(recoveryPlan);
  const orderIds = [...outageIds, ...recoveryIds];
  const timeoutMs = paymentOutageDeadlineMs(options, policy.coolDownMs, resources.poolSize);

  await seedStock(dynamodb, resources.stockTable, { ...outagePlan.stock, ...recoveryPlan.stock });
  const initial = await readBreaker(dynamodb, resources.controlTable);
  const deadLettersBefore = (await sampleDepths(sqs, queues, 0, { payment: 0, inventory: 0, notification: 0 })).deadLetterVisible.payment;
  const startedAt = Date.now();
  await writeFaults(dynamodb, resources.controlTable, { ...NO_FAULTS, paymentOutageUntil: Number.MAX_SAFE_INTEGER });
  try {
    ui.log(`the payment provider is down from now until ${options.seconds} s after the last of ${outageIds.length} orders is accepted and every one is dead-lettered (run ${runId})`);
    const placed: PlacedOrder[] = await placeOrders(resources.apiUrl, outagePlan.orders, { concurrency: Math.min(CLIENTS, outageIds.length) });
    const placedAt = Date.now();
    // An order the API did not accept never reaches a queue: the outage waits only for the accepted ones.
    const outageAccepted = placed.filter((p) => p.status === 201).length;
    const acceptedAt = new Map(placed.filter((p) => p.orderId !== undefined).map((p) => [p.orderId!, p.acceptedAt ?? placedAt]));
    let until: number | undefined;
    let recoveryPlaced = false;
    let breakerStatus = initial.status;
    const orders = new Map<string, OrderRecord>();
    const notified = new Set<string>();
    const samples: DepthSample[] = [];
    const progress = ui.progress('dead-lettered, then recovered orders', orderIds.length);
    const followed = await pollUntil({
      timeoutMs,
      intervalMs: SAMPLE_INTERVAL_MS,
      poll: async () => {
        for (const order of await readOrders(dynamodb, resources.ordersTable, orderIds.filter((id) => !isSettled(orders.get(id))))) orders.set(order.orderId, order);
        for (const id of await readNotifications(dynamodb, resources.notificationsTable, orderIds.filter((id) => !notified.has(id)))) notified.add(id);
        const now = Date.now();
        const pending = pendingByService(orderIds.filter((id) => acceptedAt.has(id)), orders, notified);
        const ages = Object.fromEntries(SERVICES.map((s) => [s, oldestAgeSeconds(now, acceptedAt, pending[s])])) as Record<ServiceName, number>;
        const sampled = await sampleDepths(sqs, queues, now - startedAt, ages);
        // A dead-lettered order waits for payment, but no longer in the payment queue: its age stops counting there.
        const sample = { ...sampled, ageSeconds: { ...ages, payment: sampled.depth.payment > 0 ? ages.payment : 0 } };
        samples.push(sample);
        const deadLettered = sample.deadLetterVisible.payment - deadLettersBefore;
        if (until === undefined && now >= placedAt + options.seconds * 1000 && sample.depth.payment === 0 && deadLettered >= outageAccepted) {
          until = Date.now();
          await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);
          ui.log(`the payment provider is back after ${Math.round((until - startedAt) / 1000)} s; ${RECOVERY_ORDERS} more orders`);
        }
        if (until !== undefined && !recoveryPlaced && Date.now() >= until + FAULTS_CACHE_MARGIN_MS) {
          recoveryPlaced = true;
          const after = await placeOrders(resources.apiUrl, recoveryPlan.orders, { concurrency: Math.min(CLIENTS, recoveryIds.length) });
          placed.push(...after);
          for (const p of after) if (p.orderId !== undefined) acceptedAt.set(p.orderId, p.acceptedAt ?? Date.now());
        }
        breakerStatus = (await readBreaker(dynamodb, resources.controlTable)).status;
        const recovered = recoveryIds.filter((id) => isSettled(orders.get(id))).length;
        return { recoveryPlaced, recovered, deadLettered: Math.min(deadLettered, outageIds.length), notified: notified.size, breaker: breakerStatus };
      },
      done: (s) => s.recoveryPlaced && s.recovered === recoveryIds.length && s.notified === orderIds.length && s.breaker === 'CLOSED',
      onState: (s) => progress.update(s.deadLettered + s.recovered, `breaker ${s.breaker}`),
    });
    progress.stop();
    const finalOrders = await readOrders(dynamodb, resources.ordersTable, orderIds);
    const final = await readBreaker(dynamodb, resources.controlTable);
    const ours = new Set(orderIds);
    const deadLetteredByQueue = {} as Record<ServiceName, number>;
    for (const service of SERVICES) deadLetteredByQueue[service] = (await peekOrderMessages(sqs, queues[service].deadLetter.url, ours)).length;
    const charges = await readCharges(dynamodb, resources.chargesTable, orderIds);
    return {
      runId,
      startedAt: new Date(startedAt).toISOString(),
      orders: orderIds.length,
      ordersDuringOutage: outageIds.length,
      ordersAfterRecovery: recoveryIds.length,
      accepted: placed.filter((p) => p.status === 201).length,
      outage: { service: 'payment', seconds: options.seconds, from: 0, placedAt: placedAt - startedAt, until: (until ?? Date.now()) - startedAt },
      confirmed: finalOrders.filter((o) => o.status === 'CONFIRMED').length,
      rejected: finalOrders.filter((o) => o.status === 'REJECTED').length,
      pending: finalOrders.filter((o) => o.status === 'PLACED').length,
      deadLettered: SERVICES.reduce((sum, s) => sum + deadLetteredByQueue[s], 0),
      deadLetteredByQueue,
      expected: paymentOutageExpected(outagePlan, recoveryPlan),
      charges: charges.filter((c) => c.status === 'CHARGED').length,
      notified: notified.size,
      stock: stockAccount({ stock: { ...outagePlan.stock, ...recoveryPlan.stock } }, finalOrders, await readStock(dynamodb, resources.stockTable, [...Object.keys(outagePlan.stock), ...Object.keys(recoveryPlan.stock)])),
      breaker: breakerObservationsOf({
        policy,
        initial,
        final,
        transitions: await readTransitions(dynamodb, resources.controlTable, initial.version, final.version),
        calls: await readProviderCalls(dynamodb, resources.controlTable, orderIds),
        startedAt,
      }),
      alarmPeriodSeconds,
      services: serviceDepthsOf(samples),
      alarms: alarmObservationsOf(definitions, queues, samples, startedAt),
      elapsedMs: followed.elapsedMs,
      timeoutMs,
      timedOut: followed.timedOut,
    };
  } finally {
    await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);
  }
}

/**
 * Every order placed during the outage is in the payment DLQ (and no other), waiting for payment or
 * rejected by inventory as planned; the recovery orders end as planned; confirmed + rejected + pending
 * is every order; charges only for confirmed orders; stock adds up; and the breaker behaved.
 */
export function paymentOutageVerdict(o: PaymentOutageObservations): Verdict {
  const failures: string[] = [];
  if (o.accepted !== o.orders) failures.push(`${o.accepted} of ${o.orders} orders were accepted by the API`);
  if (o.timedOut) failures.push(`the deadline of ${Math.round(o.timeoutMs / 1000)} s passed before the breaker closed and the recovery orders settled`);
  const e = o.expected;
  if (o.deadLetteredByQueue.payment !== e.deadLettered) failures.push(`the payment DLQ holds ${o.deadLetteredByQueue.payment} of this run's orders, expected all ${e.deadLettered} placed during the outage`);
  for (const other of ['inventory', 'notification'] as const) {
    if (o.deadLetteredByQueue[other] > 0) failures.push(`the ${other} DLQ holds ${o.deadLetteredByQueue[other]} order(s): only payment was down`);
  }
  if (o.confirmed !== e.confirmed || o.rejected !== e.rejected || o.pending !== e.pending) {
    failures.push(`${o.confirmed} confirmed, ${o.rejected} rejected, ${o.pending} waiting for payment; expected ${e.confirmed}, ${e.rejected} and ${e.pending}`);
  }
  if (o.confirmed + o.rejected + o.pending !== o.orders) failures.push(`${o.confirmed + o.rejected + o.pending} orders accounted for, of ${o.orders}`);
  if (o.charges !== o.confirmed) failures.push(`${o.charges} standing charge(s) for ${o.confirmed} confirmed order(s)`);
  if (o.notified !== o.orders) failures.push(`${o.notified} e-mail(s) for ${o.orders} orders`);
  if (o.stock.wentNegative) failures.push('stock went below zero');
  if (o.stock.final !== o.stock.initial - o.stock.reserved + o.stock.released) {
    failures.push(`stock does not add up: ${o.stock.initial} initial - ${o.stock.reserved} reserved + ${o.stock.released} released is not the ${o.stock.final} left`);
  }
  failures.push(...breakerFailures(o.breaker, o.outage.until));
  return verdictOf(failures);
}
