import { findModule } from '../lib/modules';
import { NO_FAULTS } from '../lambda/orders/faults';
import type { Ui } from '../labs/report/ui';
import { ordersObservationsOf, ordersVerdict, percentile } from '../labs/scenarios/orders/main';
import { placeAndFollow, type OrdersRun } from '../labs/scenarios/orders/run';
import { orderKey, type OrderPlan } from '../labs/scenarios/orders/plan';
import { newRunId } from '../labs/scenarios/polling';
import type { LocalSession } from '../labs/targets/local';
import type { Target, TargetSession } from '../labs/targets/target';
import { round } from './stats';

/**
 * The order capstone on the local cloud: N orders through the HTTP API, each confirmed by the payment
 * and inventory pools, measured against the ideal those pools allow. Every order is confirmable (no
 * declines, stock for all) and the fault switches add `workMs` of simulated work to each provider
 * call and each inventory reservation, so each of the two pools of P workers is a P-server queue with
 * a service time of `workMs`.
 *
 * The ideal: those two queues fed the orders at the times the API actually accepted them, with
 * nothing else costing time: order k is done at max(accepted_k, first worker free) + workMs. Its
 * makespan (first send to last done) gives the ideal orders/s, its accept -> done times the ideal
 * p50/p99. Measured: first send to the last terminal write, and accept -> CONFIRMED per order.
 *
 * SDK calls: the local runtime counts every request each function's environments make to AWS
 * (FunctionStats.sdkCalls); the difference over the run, divided by N, against the calls a confirmed
 * order needs at least (MIN_SDK_CALLS_PER_ORDER). The event-source mappings' own ReceiveMessage and
 * DeleteMessageBatch are Lambda's, not the functions', and are not counted.
 */

/** Targets: measured / ideal time and latency within 25 %, SDK calls per order within 25 % of the minimum. */
export const MAX_ORDERS_OVERHEAD = 1.25;
export const MAX_SDK_CALL_RATIO = 1.25;

/**
 * The calls a confirmed order of two SKUs needs at least, when nothing fails:
 * intake 4 (Powertools idempotency's in-progress PutItem and completing UpdateItem, the order's
 * PutItem, one SNS Publish); payment 5 (the breaker's GetItem, the provider's charge PutItem, the
 * call's entry in the provider's call log, the side's UpdateItem, the delivery's ledger entry);
 * inventory 4 (one conditional UpdateItem per SKU, the side's UpdateItem, the ledger entry); the
 * terminal UpdateItem of whichever side answers second, 1; notification 2 (the e-mail's PutItem, the
 * ledger entry). The call log and the ledger are what the labs count breaker calls and load balancing
 * from: part of the design, so part of the minimum.
 */
export const MIN_SDK_CALLS_PER_ORDER = { intake: 4, payment: 5, inventory: 4, finish: 1, notification: 2 } as const;
const MIN_TOTAL = Object.values(MIN_SDK_CALLS_PER_ORDER).reduce((sum, n) => sum + n, 0);

export interface OrdersThroughputOptions {
  readonly orders: number;
  /** Simulated work per provider call and per reservation (the fault switch addedLatencyMs). */
  readonly workMs: number;
}

export const ORDERS_THROUGHPUT: OrdersThroughputOptions = { orders: 1000, workMs: 100 };
export const SMOKE_ORDERS_THROUGHPUT: OrdersThroughputOptions = { orders: 30, workMs: 100 };

export interface OrdersThroughputFigure extends OrdersThroughputOptions {
  readonly poolSize: number;
  readonly confirmed: number;
  readonly measuredSeconds: number;
  readonly idealSeconds: number;
  readonly ordersPerSecond: number;
  readonly idealOrdersPerSecond: number;
  /** measured / ideal time. */
  readonly ratio: number;
  /** From the first send to the last acceptance by the API: how fast the intake fed the pools. */
  readonly placingSeconds: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly idealLatencyMs: { readonly p50: number; readonly p99: number };
  readonly latencyRatio: { readonly p50: number; readonly p99: number };
  readonly sdkCallsPerOrder: number;
  readonly minSdkCallsPerOrder: number;
  readonly sdkCallRatio: number;
  /** Per function, calls per order; and the operations over all functions, calls per order. */
  readonly sdkCallsByFunction: Readonly<Record<string, number>>;
  readonly sdkCallsByOperation: Readonly<Record<string, number>>;
  readonly verdictOk: boolean;
  readonly meets: boolean;
}

/** When each order is done in P FIFO servers of `workMs` each, fed at `acceptedAt` (sorted ascending). */
export function idealCompletions(acceptedAt: readonly number[], servers: number, workMs: number): number[] {
  const free = new Array<number>(servers).fill(-Infinity);
  return acceptedAt.map((at) => {
    let next = 0;
    for (let i = 1; i < servers; i += 1) if (free[i]! < free[next]!) next = i;
    const done = Math.max(at, free[next]!) + workMs;
    free[next] = done;
    return done;
  });
}

/** Every order confirmable: one unit each of two SKUs with stock for all, amounts under the card limit. */
export function throughputPlan(runId: string, count: number): OrderPlan {
  const tag = runId.toUpperCase();
  const skus = [`${tag}-BOOK`, `${tag}-PEN`];
  return {
    runId,
    orders: Array.from({ length: count }, (_, i) => ({
      key: orderKey(runId, i),
      request: { customerEmail: `customer${i}@example.com`, amountCents: 1000 + i, items: skus.map((sku) => ({ sku, quantity: 1 })) },
    })),
    stock: Object.fromEntries(skus.map((sku) => [sku, count])),
    declined: [],
    contending: count,
    scarceUnits: count,
    expected: { confirmed: count, rejected: 0 },
  };
}

const FUNCTIONS = { intake: 'IntakeFunctionName', payment: 'PaymentFunctionName', inventory: 'InventoryFunctionName', notification: 'NotificationFunctionName' } as const;

type CallCounts = Record<string, Readonly<Record<string, number>>>;

function sdkCallsOf(session: LocalSession): CallCounts {
  return Object.fromEntries(Object.entries(FUNCTIONS).map(([name, output]) => [name, session.runtime.stats(session.output(output)).sdkCalls]));
}

/** The figure of one run from its orders and the SDK calls counted before and after it. */
export function throughputFigure(run: OrdersRun, options: OrdersThroughputOptions, before: CallCounts, after: CallCounts): OrdersThroughputFigure {
  const n = options.orders;
  const acceptedAt = new Map(run.placed.filter((p) => p.orderId !== undefined).map((p) => [p.orderId!, p.acceptedAt!]));
  const confirmed = run.orders.filter((o) => o.status === 'CONFIRMED' && o.finishedAt !== undefined && acceptedAt.has(o.orderId));
  const lastDone = Math.max(...run.orders.map((o) => o.finishedAt ?? NaN));
  const measuredSeconds = (lastDone - run.startedAt) / 1000;
  const accepted = [...acceptedAt.values()].sort((a, b) => a - b);
  const ideal = idealCompletions(accepted, run.poolSize, options.workMs);
  const idealSeconds = (Math.max(...ideal) - run.startedAt) / 1000;
  const latencies = confirmed.map((o) => o.finishedAt! - acceptedAt.get(o.orderId)!);
  const idealLatencies = ideal.map((done, i) => done - accepted[i]!);
  const latencyMs = { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  const idealLatencyMs = { p50: percentile(idealLatencies, 50), p99: percentile(idealLatencies, 99) };
  const byFunction: Record<string, number> = {};
  const byOperation: Record<string, number> = {};
  for (const [name, counts] of Object.entries(after)) {
    for (const [operation, count] of Object.entries(counts)) {
      const delta = count - (before[name]?.[operation] ?? 0);
      byFunction[name] = (byFunction[name] ?? 0) + delta;
      byOperation[operation] = (byOperation[operation] ?? 0) + delta;
    }
  }
  const perOrder = (calls: number): number => round(calls / n, 2);
  const total = Object.values(byFunction).reduce((sum, c) => sum + c, 0);
  const ratio = round(measuredSeconds / idealSeconds, 2);
  const latencyRatio = { p50: round(latencyMs.p50 / idealLatencyMs.p50, 2), p99: round(latencyMs.p99 / idealLatencyMs.p99, 2) };
  const sdkCallRatio = round(total / n / MIN_TOTAL, 2);
  const verdictOk = ordersVerdict(ordersObservationsOf({ ...run, options: { orders: n, paymentFailureRate: 0 } })).ok;
  return {
    ...options,
    poolSize: run.poolSize,
    confirmed: confirmed.length,
    measuredSeconds: round(measuredSeconds, 1),
    idealSeconds: round(idealSeconds, 1),
    ordersPerSecond: round(n / measuredSeconds, 1),
    idealOrdersPerSecond: round(n / idealSeconds, 1),
    ratio,
    placingSeconds: round((Math.max(...accepted) - run.startedAt) / 1000, 1),
    latencyMs,
    idealLatencyMs,
    latencyRatio,
    sdkCallsPerOrder: perOrder(total),
    minSdkCallsPerOrder: MIN_TOTAL,
    sdkCallRatio,
    sdkCallsByFunction: Object.fromEntries(Object.entries(byFunction).map(([name, calls]) => [name, perOrder(calls)])),
    sdkCallsByOperation: Object.fromEntries(Object.entries(byOperation).sort(([, a], [, b]) => b - a).map(([op, calls]) => [op, perOrder(calls)])),
    verdictOk,
    meets: verdictOk && ratio <= MAX_ORDERS_OVERHEAD && latencyRatio.p99 <= MAX_ORDERS_OVERHEAD && sdkCallRatio <= MAX_SDK_CALL_RATIO,
  };
}

function isLocalSession(session: TargetSession): session is LocalSession {
  return 'runtime' in session;
}

export async function measureOrdersThroughput(target: Target, options: OrdersThroughputOptions, ui: Ui): Promise<OrdersThroughputFigure> {
  const session = await target.open(findModule('orders'), { log: (line) => ui.log(line) });
  try {
    if (!isLocalSession(session)) {
      throw new Error('ordersThroughput counts SDK calls in the local runtime, which a running `labs up` keeps to itself: stop it with `npx labs down`');
    }
    const plan = throughputPlan(newRunId(), options.orders);
    const before = sdkCallsOf(session);
    const run = await placeAndFollow(session, { plan, faults: { ...NO_FAULTS, addedLatencyMs: options.workMs }, timeoutMs: 120_000 + options.orders * 200 }, ui);
    return throughputFigure(run, options, before, sdkCallsOf(session));
  } finally {
    await session.close();
  }
}
