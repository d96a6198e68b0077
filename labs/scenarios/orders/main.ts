import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS } from '../../../lambda/orders/faults';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { integerOutput, textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { placeOrders, type PlacedOrder } from './api';
import { followToTerminal } from './follow';
import { planOrders, plannedOrderIds, type OrderPlan } from './plan';
import { peekOrderMessages } from './queues';
import { awaitLedger, plannedPaymentRetries, replayedPaymentRetries, serviceFailures, serviceObservations, type PaymentRetryPolicy, type ServiceObservation } from './services';
import { readCharges, readStock, seedStock, writeFaults, type OrderRecord, type StockRecord, type ChargeRecord } from './tables';

export interface OrdersOptions {
  readonly orders: number;
  readonly paymentFailureRate: number;
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

/** Outputs the order labs read; the outage and redrive labs read the same. */
export function ordersResources(session: TargetSession<OrdersOutput>) {
  return {
    apiUrl: textOutput(session, 'ApiUrl'),
    ordersTable: textOutput(session, 'OrdersTableName'),
    chargesTable: textOutput(session, 'ChargesTableName'),
    stockTable: textOutput(session, 'StockTableName'),
    notificationsTable: textOutput(session, 'NotificationsTableName'),
    controlTable: textOutput(session, 'ControlTableName'),
    ledgerTable: textOutput(session, 'LedgerTableName'),
    deadLetterQueues: {
      payment: textOutput(session, 'PaymentDeadLetterQueueUrl'),
      inventory: textOutput(session, 'InventoryDeadLetterQueueUrl'),
      notification: textOutput(session, 'NotificationDeadLetterQueueUrl'),
    },
    poolSize: integerOutput(session, 'PoolSize'),
  };
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
export interface OrdersRun extends OrdersObservations {
  /** The run's order ids, in the order placed (for `labs orders trace <orderId>`). */
  readonly orderIds: readonly string[];
  readonly services: readonly ServiceObservation[];
}

/** The verdict of `labs orders`: every order ended once with its effects, and each pool took every order, with the planned retries. */
export function ordersRunVerdict(o: OrdersRun): Verdict {
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
  readonly notified: number;
  readonly deadLettered: number;
  readonly poolSize: number;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}): OrdersObservations {
  const { orders, charges } = input;
  const byId = new Map(charges.map((c) => [c.orderId, c]));
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
  return verdictOf(failures);
}

/** Every confirmed order of a plan holds one unit of each of its two SKUs. */
function unitsHeldByConfirmed(o: OrdersObservations): number {
  return o.confirmed * 2;
}

/**
 * How long a run may take: the API placements, then a payment that fails every in-process retry is
 * received up to maxReceiveCount times, each after a doubling visibility timeout (2 + 4 + 8 + 16 + 32 s
 * at most); add the work through pools of `poolSize` and a margin for cold starts.
 */
export function ordersDeadlineMs(orders: number, poolSize: number): number {
  return 90_000 + Math.ceil(orders / poolSize) * 200;
}

/** Clients placing orders at once: a bounded load, which the cold intake environments can take. */
export const CLIENTS = 5;

export async function runOrders(session: TargetSession<OrdersOutput>, options: OrdersOptions, ui: Ui): Promise<OrdersRun> {
  const resources = ordersResources(session);
  const retryPolicy = paymentRetryPolicy(session);
  const { dynamodb } = session.clients;
  const runId = newRunId();
  const plan = planOrders(runId, options.orders);
  const orderIds = plannedOrderIds(plan);
  const timeoutMs = ordersDeadlineMs(options.orders, resources.poolSize);

  await seedStock(dynamodb, resources.stockTable, plan.stock);
  await writeFaults(dynamodb, resources.controlTable, { ...NO_FAULTS, paymentFailureRate: options.paymentFailureRate });
  try {
    ui.log(
      `placing ${plan.orders.length} orders through ${resources.apiUrl} (run ${runId}; payment failure rate ${options.paymentFailureRate}, pools of ${resources.poolSize})`,
    );
    const placing = ui.progress('placed orders', plan.orders.length);
    let placedCount = 0;
    const placed = await placeOrders(resources.apiUrl, plan.orders, {
      concurrency: Math.min(CLIENTS, plan.orders.length),
      onPlaced: () => placing.update((placedCount += 1)),
    });
    placing.stop();
    const followed = await followToTerminal(
      { dynamodb, ordersTable: resources.ordersTable, notificationsTable: resources.notificationsTable },
      orderIds,
      { timeoutMs, ui },
    );
    const orders = [...followed.orders.values()];
    const ledger = await awaitLedger(dynamodb, resources.ledgerTable, orderIds);
    const observations = ordersObservationsOf({
      runId,
      plan,
      options,
      placed,
      orders,
      charges: await readCharges(dynamodb, resources.chargesTable, orderIds),
      stock: await readStock(dynamodb, resources.stockTable, Object.keys(plan.stock)),
      notified: followed.notified.size,
      deadLettered: await countDeadLettered(session, Object.values(resources.deadLetterQueues), orderIds),
      poolSize: resources.poolSize,
      elapsedMs: followed.elapsedMs,
      timeoutMs,
      timedOut: followed.timedOut,
    });
    return { ...observations, orderIds, services: serviceObservations(ledger, {
        expected: plannedPaymentRetries(orderIds, options.paymentFailureRate, retryPolicy),
        replayed: replayedPaymentRetries(ledger, options.paymentFailureRate, retryPolicy),
      }),
    };
  } finally {
    await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);
  }
}

/** This run's order messages in the dead-letter queues (left there for a redrive). */
export async function countDeadLettered(session: TargetSession<OrdersOutput>, queueUrls: readonly string[], orderIds: readonly string[]): Promise<number> {
  const ours = new Set(orderIds);
  let count = 0;
  for (const url of queueUrls) count += (await peekOrderMessages(session.clients.sqs, url, ours)).length;
  return count;
}
