import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { redeliveryDelaySeconds } from '../../../lambda/orders/backoff';
import { ORDER_SERVICES, type DeliveryEntry, type OrderService } from '../../../lambda/orders/ledger';
import { providerAttempt } from '../../../lambda/orders/payment-core';
import { failsTransiently } from '../../../lambda/orders/provider';
import { pollUntil } from '../polling';
import { batchGetKeys } from './tables';

/** One order's deliveries to one service, as the ledger holds them. */
export interface LedgerRecord {
  readonly orderId: string;
  readonly service: OrderService;
  readonly deliveries: readonly DeliveryEntry[];
}

/** The payment worker's retry settings, as the stack's outputs give them. */
export interface PaymentRetryPolicy {
  readonly retries: number;
  readonly redeliveryBaseSeconds: number;
  readonly maxReceiveCount: number;
}

/** Retries a run must see: known in advance, as the provider's failures are a hash of `orderId:attempt`. */
export interface RetryCounts {
  /** In-process retries (after a transient error, within one delivery). */
  readonly retries: number;
  /** Deliveries after the first (the message came back after its visibility timeout). */
  readonly redeliveries: number;
  /** The visibility timeouts the failed deliveries set, in seconds, ordered. */
  readonly visibilityDelaysSeconds: readonly number[];
}

export interface ServiceObservation {
  readonly name: OrderService;
  /** Orders the service finished (a delivery that was deleted from its queue). */
  readonly processed: number;
  readonly deliveries: number;
  /** Deliveries per execution environment of the pool, by id (the load balancing inside the pool). */
  readonly workers: readonly { readonly id: string; readonly tasks: number }[];
  readonly retries: number;
  readonly redeliveries: number;
  /** The waits before the in-process retries, in ms (full jitter: each below its ceiling). */
  readonly retryDelaysMs: readonly number[];
  readonly visibilityDelaysSeconds: readonly number[];
  /** Deliveries that found their effect already done (a charge, e-mail or reservation of an earlier one). */
  readonly repeats: number;
  /** Deliveries that failed (the message returned to the queue). */
  readonly failed: number;
  /** Receives that left no entry: the worker never finished them (a cold start past the timeout, a crash). */
  readonly unrecorded: number;
  /** Payment only: the counts planned before the run, and those the hash gives at the real receive counts. */
  readonly expected?: RetryCounts;
  readonly replayed?: { readonly retries: number; readonly failedDeliveries: number };
}

/** What the provider's failure hash makes of one delivery of an order: its in-process retries, and whether all its calls fail. */
export function paymentDelivery(orderId: string, receiveCount: number, failureRate: number, policy: Pick<PaymentRetryPolicy, 'retries'>): { retries: number; fails: boolean } {
  for (let retry = 0; retry <= policy.retries; retry += 1) {
    if (!failsTransiently(orderId, providerAttempt(receiveCount, retry, policy), failureRate)) return { retries: retry, fails: false };
  }
  return { retries: policy.retries, fails: true };
}

/**
 * Payment's retries for `orderIds` under `failureRate`, known before the run: each delivery makes up
 * to 1 + `retries` calls, a delivery whose calls all fail returns its message after the doubling
 * visibility timeout, the last one dead-letters it. Assumes every delivery reaches the worker's code
 * (no cold start outlives the function's timeout) and the breaker stays closed.
 */
export function plannedPaymentRetries(orderIds: readonly string[], failureRate: number, policy: PaymentRetryPolicy): RetryCounts {
  let retries = 0;
  let redeliveries = 0;
  const visibilityDelaysSeconds: number[] = [];
  for (const orderId of orderIds) {
    for (let receiveCount = 1; receiveCount <= policy.maxReceiveCount; receiveCount += 1) {
      const delivery = paymentDelivery(orderId, receiveCount, failureRate, policy);
      retries += delivery.retries;
      if (!delivery.fails) break;
      visibilityDelaysSeconds.push(redeliveryDelaySeconds(receiveCount, { baseSeconds: policy.redeliveryBaseSeconds, maxSeconds: 300 }));
      if (receiveCount < policy.maxReceiveCount) redeliveries += 1;
    }
  }
  return { retries, redeliveries, visibilityDelaysSeconds: visibilityDelaysSeconds.sort((a, b) => a - b) };
}

/**
 * The same hash replayed on the deliveries the ledger holds, at their real receive counts: a delivery
 * that never reached the worker's code (its environment timed out starting, or died) still raised the
 * count, and so moved the numbers of the later calls. What the ledger must then show, exactly.
 */
export function replayedPaymentRetries(records: readonly LedgerRecord[], failureRate: number, policy: Pick<PaymentRetryPolicy, 'retries'>): { retries: number; failedDeliveries: number } {
  let retries = 0;
  let failedDeliveries = 0;
  for (const record of records.filter((r) => r.service === 'payment')) {
    for (const d of record.deliveries) {
      const delivery = paymentDelivery(record.orderId, d.receiveCount, failureRate, policy);
      retries += delivery.retries;
      if (delivery.fails) failedDeliveries += 1;
    }
  }
  return { retries, failedDeliveries };
}

/** Receives of an order that left no ledger entry: its highest receive count beyond the entries it has. */
export function unrecordedDeliveries(records: readonly LedgerRecord[]): number {
  return records.reduce((sum, r) => sum + Math.max(0, Math.max(0, ...r.deliveries.map((d) => d.receiveCount)) - r.deliveries.length), 0);
}

/** A delivery's effect that says an earlier delivery had done the work. */
export function isRepeat(effect: string | undefined): boolean {
  if (effect === undefined) return false;
  return effect === 'already-sent' || effect.split(',').includes('repeat');
}

/** Per service, from the ledger records of a run: what was processed, by which workers, with which retries. */
export function serviceObservations(
  records: readonly LedgerRecord[],
  payment?: { readonly expected: RetryCounts; readonly replayed: { readonly retries: number; readonly failedDeliveries: number } },
): ServiceObservation[] {
  return ORDER_SERVICES.map((name) => {
    const mine = records.filter((r) => r.service === name);
    const deliveries = mine.flatMap((r) => r.deliveries);
    const tasks = new Map<string, number>();
    for (const d of deliveries) tasks.set(d.workerId, (tasks.get(d.workerId) ?? 0) + 1);
    const expectedHere = name === 'payment' ? payment : undefined;
    return {
      name,
      processed: mine.filter((r) => r.deliveries.some((d) => d.outcome === 'done')).length,
      deliveries: deliveries.length,
      workers: [...tasks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, n]) => ({ id, tasks: n })),
      retries: deliveries.reduce((sum, d) => sum + d.retryDelaysMs.length, 0),
      redeliveries: deliveries.filter((d) => d.receiveCount > 1).length,
      retryDelaysMs: deliveries.flatMap((d) => d.retryDelaysMs).sort((a, b) => a - b),
      visibilityDelaysSeconds: deliveries.flatMap((d) => (d.visibilityDelaySeconds === undefined ? [] : [d.visibilityDelaySeconds])).sort((a, b) => a - b),
      repeats: deliveries.filter((d) => isRepeat(d.effect)).length,
      failed: deliveries.filter((d) => d.outcome === 'failed').length,
      unrecorded: unrecordedDeliveries(mine),
      ...(expectedHere ? { expected: expectedHere.expected, replayed: expectedHere.replayed } : {}),
    };
  });
}

/**
 * What differs between the ledger and what a run must show: each service finished every order; payment
 * retried and failed exactly as the hash says at the real receive counts, and, when every receive
 * reached the worker's code, exactly as planned before the run.
 */
export function serviceFailures(services: readonly ServiceObservation[], orders: number): string[] {
  const failures: string[] = [];
  for (const s of services) {
    if (s.processed !== orders) failures.push(`the ${s.name} pool finished ${s.processed} of ${orders} order(s) by the ledger`);
    if (s.replayed !== undefined) {
      if (s.retries !== s.replayed.retries) failures.push(`${s.name}: ${s.retries} in-process retries, but the provider's failures call for ${s.replayed.retries}`);
      if (s.failed !== s.replayed.failedDeliveries) failures.push(`${s.name}: ${s.failed} failed deliveries, but the provider's failures call for ${s.replayed.failedDeliveries}`);
    }
    if (s.expected !== undefined && s.unrecorded === 0) {
      if (s.retries !== s.expected.retries || s.redeliveries !== s.expected.redeliveries) {
        failures.push(`${s.name}: ${s.retries} retries and ${s.redeliveries} redeliveries, planned ${s.expected.retries} and ${s.expected.redeliveries}`);
      }
    }
  }
  return failures;
}

export function ledgerRecordOf(item: Record<string, unknown>): LedgerRecord {
  return {
    orderId: String(item.orderId),
    service: item.service as OrderService,
    deliveries: Array.isArray(item.deliveries) ? (item.deliveries as DeliveryEntry[]) : [],
  };
}

/** The ledger records of `orderIds` for every service. */
export async function readLedger(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[]): Promise<LedgerRecord[]> {
  const keys = orderIds.flatMap((orderId) => ORDER_SERVICES.map((service) => ({ orderId, service })));
  return (await batchGetKeys(dynamodb, tableName, keys)).map(ledgerRecordOf);
}

/** How long the lab waits for the ledger after the orders settled: each worker writes it as its delivery ends. */
export const LEDGER_WAIT_MS = 10_000;

/**
 * Reads the ledger until every order has a finished delivery in every service (the last entries land
 * just after the effects the lab follows), or `timeoutMs` passes; returns what it read.
 */
export async function awaitLedger(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[], timeoutMs = LEDGER_WAIT_MS): Promise<LedgerRecord[]> {
  let records: LedgerRecord[] = [];
  const complete = (): boolean =>
    records.filter((r) => r.deliveries.some((d) => d.outcome === 'done')).length === orderIds.length * ORDER_SERVICES.length;
  await pollUntil({
    timeoutMs,
    intervalMs: 250,
    poll: async () => {
      records = await readLedger(dynamodb, tableName, orderIds);
      return complete();
    },
    done: (ok) => ok,
  });
  return records;
}
