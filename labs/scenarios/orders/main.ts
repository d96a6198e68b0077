import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS } from '../../../lambda/orders/faults';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { integerOutput, textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import type { PlacedOrder } from './api';
import { crashedOrderIds, planOrders, plannedOrderIds, type OrderPlan } from './plan';
import { visibilityTimeoutSeconds } from './queues';
import { ordersDeadlineMs, ordersResources, placeAndFollow } from './run';
import { awaitLedger, plannedPaymentRetries, replayedPaymentRetries, serviceFailures, serviceObservations, type PaymentRetryPolicy, type ServiceObservation } from './services';
import type { ChargeRecord, OrderRecord, StockRecord } from './tables';

export interface OrdersOptions {
  readonly orders: number;
  readonly paymentFailureRate: number;
  /** Orders whose payment worker crashes after the charge, before recording it (0: none). */
  readonly crashAfterCharge?: number;
}

/** The orders of a run that crashed their payment worker after the charge, as the provider's ledger saw them. */
export interface CrashAccount {
  readonly orders: number;
  /** Of those, the ones the provider answered again after the crash (the queue's redelivery). */
  readonly redelivered: number;
  /** Provider calls answered for them, and their ledger entries (one per order: CHARGED, or REFUNDED if refused). */
  readonly providerCalls: number;
  readonly charges: number;
}

export interface StockAccount {
  readonly initial: number;
  /** Units held by orders whose inventory side reserved them. */
  readonly reserved: number;
  /** Units given back by the compensation of rejected orders. */
  readonly released: number;
  readonly final: number;
  readonly wentNegative: boolean;
}

export interface OrdersObservations {
  readonly runId: string;
  readonly orders: number;
  readonly accepted: number;
  readonly paymentFailureRate: number;
  readonly confirmed: number;
  readonly rejected: number;
  /** Orders still PLACED at the deadline. */
  readonly pending: number;
  readonly expected: { readonly confirmed: number; readonly rejected: number };
  readonly rejections: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  /** Charges standing (CHARGED, not refunded). */
  readonly charges: number;
  /** Calls the provider answered, over every order of the run (one per order unless a delivery was repeated). */
  readonly providerCalls: number;
  readonly crashes: CrashAccount;
  readonly refunds: number;
  /** Rejected orders still holding a charge or stock: a compensation that did not happen. */
  readonly heldByRejected: number;
  /** Orders that are CONFIRMED without a standing charge, or charged twice. */
  readonly chargeMismatches: number;
  readonly notified: number;
  readonly stock: StockAccount;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly poolSize: number;
  readonly clientRequests: number;
  /** Answers the clients retried with the same key, by HTTP status (0: no answer). */
  readonly retriedAnswers: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}

/** The payment worker's retry settings, from the stack's outputs. */
export function paymentRetryPolicy(session: TargetSession<OrdersOutput>): PaymentRetryPolicy {
  return {
    retries: integerOutput(session, 'PaymentRetries'),
    redeliveryBaseSeconds: integerOutput(session, 'PaymentRedeliveryBaseSeconds'),
    maxReceiveCount: integerOutput(session, 'PaymentMaxReceiveCount'),
  };
}

/** `labs orders`: the outcome of every order, and per service what its pool did (the ledger). */
export interface OrdersLabObservations extends OrdersObservations {
  /** The run's order ids, in the order placed (for `labs orders trace <orderId>`). */
  readonly orderIds: readonly string[];
  readonly services: readonly ServiceObservation[];
}

/** The verdict of `labs orders`: every order ended once with its effects, and each pool took every order, with the planned retries. */
export function ordersRunVerdict(o: OrdersLabObservations): Verdict {
  return verdictOf([...ordersVerdict(o).failures, ...serviceFailures(o.services, o.accepted)]);
}

/** The nearest-rank percentile of `values` (0 when there are none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Units of `orders` per SKU summed. */
function units(orders: readonly OrderRecord[]): number {
  return orders.reduce((sum, o) => sum + o.items.reduce((s, line) => s + line.quantity, 0), 0);
}

/** Stock accounting of a run from its orders and its SKUs' items. */
export function stockAccount(plan: Pick<OrderPlan, 'stock'>, orders: readonly OrderRecord[], stock: readonly StockRecord[]): StockAccount {
  const reservedOrders = orders.filter((o) => o.inventory === 'RESERVED');
  return {
    initial: Object.values(plan.stock).reduce((sum, n) => sum + n, 0),
    reserved: units(reservedOrders),
    released: units(reservedOrders.filter((o) => o.compensated.includes('RELEASE_STOCK'))),
    final: stock.reduce((sum, s) => sum + s.stock, 0),
    wentNegative: stock.some((s) => s.stock < 0),
  };
}

/** What a run observed, from its plan, the API's answers and the tables after the wait. */
export function ordersObservationsOf(input: {
  readonly runId: string;
  readonly plan: OrderPlan;
  readonly options: OrdersOptions;
  readonly placed: readonly PlacedOrder[];
  readonly orders: readonly OrderRecord[];
  readonly charges: readonly ChargeRecord[];
  readonly stock: readonly StockRecord[];
  /** Orders on the crash switch. */
  readonly crashed?: readonly string[];
  readonly notified: number;
  readonly deadLettered: number;
  readonly poolSize: number;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}): OrdersObservations {
  const { orders, charges } = input;
  const byId = new Map(charges.map((c) => [c.orderId, c]));
  const crashed = (input.crashed ?? []).map((id) => byId.get(id));
  const rejected = orders.filter((o) => o.status === 'REJECTED');
  const rejections = countBy(rejected.map((o) => o.reason ?? 'unknown'));
  const acceptedAt = new Map(input.placed.filter((p) => p.orderId !== undefined).map((p) => [p.orderId!, p.acceptedAt ?? NaN]));
  const latencies = orders
    .filter((o) => o.finishedAt !== undefined && acceptedAt.has(o.orderId))
    .map((o) => Math.max(0, o.finishedAt! - acceptedAt.get(o.orderId)!));
  return {
    runId: input.runId,
    orders: input.plan.orders.length,
    accepted: input.placed.filter((p) => p.status === 201).length,
    paymentFailureRate: input.options.paymentFailureRate,
    confirmed: orders.filter((o) => o.status === 'CONFIRMED').length,
    rejected: rejected.length,
    pending: input.plan.orders.length - orders.filter((o) => o.status !== 'PLACED').length,
    expected: input.plan.expected,
    rejections,
    deadLettered: input.deadLettered,
    charges: charges.filter((c) => c.status === 'CHARGED').length,
    providerCalls: charges.reduce((sum, c) => sum + c.calls, 0),
    crashes: {
      orders: crashed.length,
      redelivered: crashed.filter((c) => c !== undefined && c.calls >= 2).length,
      providerCalls: crashed.reduce((sum, c) => sum + (c?.calls ?? 0), 0),
      charges: crashed.filter((c) => c?.status === 'CHARGED' || c?.status === 'REFUNDED').length,
    },
    refunds: charges.filter((c) => c.status === 'REFUNDED').length,
    heldByRejected: rejected.filter((o) => byId.get(o.orderId)?.status === 'CHARGED' || input.stock.some((s) => s.holders.includes(o.orderId))).length,
    chargeMismatches: orders.filter((o) => o.status === 'CONFIRMED' && byId.get(o.orderId)?.status !== 'CHARGED').length,
    notified: input.notified,
    stock: stockAccount(input.plan, orders, input.stock),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    poolSize: input.poolSize,
    clientRequests: input.placed.reduce((sum, p) => sum + p.requests, 0),
    retriedAnswers: countBy(input.placed.flatMap((p) => p.retried.map(String))),
    elapsedMs: input.elapsedMs,
    timeoutMs: input.timeoutMs,
    timedOut: input.timedOut,
  };
}

export function ordersVerdict(o: OrdersObservations): Verdict {
  const failures: string[] = [];
  if (o.accepted !== o.orders) {
    failures.push(`${o.accepted} of ${o.orders} orders were accepted by the API (retried answers by status: ${JSON.stringify(o.retriedAnswers)})`);
  }
  if (o.timedOut) failures.push(`the deadline of ${Math.round(o.timeoutMs / 1000)} s passed with ${o.pending} order(s) not terminal`);
  if (o.confirmed + o.rejected !== o.orders) failures.push(`${o.confirmed + o.rejected} of ${o.orders} orders reached a terminal state`);
  if (o.confirmed !== o.expected.confirmed || o.rejected !== o.expected.rejected) {
    failures.push(`${o.confirmed} confirmed and ${o.rejected} rejected, expected ${o.expected.confirmed} and ${o.expected.rejected}`);
  }
  if (o.charges !== o.confirmed) failures.push(`${o.charges} standing charge(s) for ${o.confirmed} confirmed order(s)`);
  if (o.chargeMismatches > 0) failures.push(`${o.chargeMismatches} confirmed order(s) without a standing charge`);
  if (o.heldByRejected > 0) failures.push(`${o.heldByRejected} rejected order(s) still hold a charge or stock`);
  const { stock } = o;
  if (stock.wentNegative) failures.push('stock went below zero');
  if (stock.final !== stock.initial - stock.reserved + stock.released) {
    failures.push(`stock does not add up: ${stock.initial} initial - ${stock.reserved} reserved + ${stock.released} released is not the ${stock.final} left`);
  }
  if (stock.reserved - stock.released !== unitsHeldByConfirmed(o)) {
    failures.push(`${stock.reserved - stock.released} unit(s) held, but the confirmed orders hold ${unitsHeldByConfirmed(o)}`);
  }
  if (o.notified !== o.accepted) failures.push(`${o.notified} e-mail(s) recorded for ${o.accepted} accepted order(s)`);
  if (o.deadLettered > 0) failures.push(`${o.deadLettered} order message(s) reached a dead-letter queue`);
  const { crashes } = o;
  if (crashes.charges !== crashes.orders) {
    failures.push(`${crashes.charges} of the ${crashes.orders} order(s) that crashed their payment worker after the charge hold one charge in the provider's ledger`);
  }
  if (crashes.redelivered !== crashes.orders) {
    failures.push(`${crashes.redelivered} of the ${crashes.orders} order(s) that crashed their payment worker were called again after the crash (the queue redelivers a crashed batch after its visibility timeout)`);
  }
  return verdictOf(failures);
}

/** Every confirmed order of a plan holds one unit of each of its two SKUs. */
function unitsHeldByConfirmed(o: OrdersObservations): number {
  return o.confirmed * 2;
}

export async function runOrders(session: TargetSession<OrdersOutput>, options: OrdersOptions, ui: Ui): Promise<OrdersLabObservations> {
  const resources = ordersResources(session);
  const retryPolicy = paymentRetryPolicy(session);
  const runId = newRunId();
  const plan = planOrders(runId, options.orders);
  const crashed = crashedOrderIds(plan, options.crashAfterCharge ?? 0);
  // A crashed delivery is not returned early: it comes back when its visibility timeout ends.
  const redeliveryMs = crashed.length > 0 ? (await visibilityTimeoutSeconds(session.clients.sqs, textOutput(session, 'PaymentQueueUrl'))) * 1000 : 0;
  ui.log(
    `placing ${plan.orders.length} orders through ${resources.apiUrl} (run ${runId}; payment failure rate ${options.paymentFailureRate}, pools of ${resources.poolSize})`,
  );
  if (crashed.length > 0) {
    ui.log(`the payment worker crashes after charging ${crashed.length} order(s), before recording it; the queue redelivers each after ${redeliveryMs / 1000} s`);
  }
  const run = await placeAndFollow(
    session,
    {
      plan,
      faults: { ...NO_FAULTS, paymentFailureRate: options.paymentFailureRate, paymentCrashAfterCharge: crashed },
      timeoutMs: ordersDeadlineMs(options.orders, resources.poolSize, redeliveryMs),
    },
    ui,
  );
  const orderIds = plannedOrderIds(plan);
  const ledger = await awaitLedger(session.clients.dynamodb, resources.ledgerTable, orderIds);
  return {
    ...ordersObservationsOf({ ...run, options }),
    orderIds,
    services: serviceObservations(ledger, {
      expected: plannedPaymentRetries(orderIds, options.paymentFailureRate, retryPolicy),
      replayed: replayedPaymentRetries(ledger, options.paymentFailureRate, retryPolicy),
    }),
  };
}
