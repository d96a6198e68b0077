import type { BreakerStatus } from './breaker';

/**
 * What the payment pool leaves in the control table for a lab to count: each breaker transition (one
 * item per transition, keyed by the breaker version it wrote) and each provider call (one item per
 * order, its calls appended). Both kinds expire after a day through the table's TTL. An order's calls
 * are sequential (one delivery at a time), so its item is never contended; a transition item is written
 * once, in the same transaction as the breaker state it records, so the record matches the state.
 */

/** Key of the payment breaker's shared state in the control table. */
export const BREAKER_ITEM_ID = 'payment-breaker';

/** The control table's TTL attribute (epoch seconds), set on every record item. */
export const RECORD_TTL_ATTRIBUTE = 'expiresAt';
export const RECORD_TTL_SECONDS = 24 * 60 * 60;

export function recordExpiry(nowMs: number): number {
  return Math.floor(nowMs / 1000) + RECORD_TTL_SECONDS;
}

/** Key of the transition that wrote breaker version `version`. */
export function transitionItemId(version: number): string {
  return `${BREAKER_ITEM_ID}#${version}`;
}

/** Key of the provider call log of one order. */
export function providerCallsItemId(orderId: string): string {
  return `provider-calls#${orderId}`;
}

/** One change of the breaker's status, written by the worker that won the conditional write. */
export interface BreakerTransition {
  /** Epoch ms. */
  readonly at: number;
  readonly from: BreakerStatus;
  readonly to: BreakerStatus;
  /** The breaker version this transition wrote. */
  readonly version: number;
}

/** What one call to the provider answered. */
export type ProviderOutcome = 'outage' | 'transient-failure' | 'CHARGED' | 'DECLINED' | 'repeat';

/** One call the provider received. */
export interface ProviderCall {
  /** Epoch ms. */
  readonly at: number;
  /** The call's number for the order over all its deliveries (1, 2, ...). */
  readonly attempt: number;
  /** The breaker state the caller saw when it decided to call: CLOSED, or HALF_OPEN for the probe it holds. */
  readonly breaker: BreakerStatus;
  /** The version of that state: the lab reads its status from the transitions, not from the caller. */
  readonly breakerVersion: number;
  readonly outcome: ProviderOutcome;
}

const STATUSES = new Set<string>(['CLOSED', 'OPEN', 'HALF_OPEN']);

function status(value: unknown, what: string): BreakerStatus {
  if (typeof value !== 'string' || !STATUSES.has(value)) throw new Error(`${what} is not a breaker status: ${JSON.stringify(value)}`);
  return value as BreakerStatus;
}

/** A transition item as the worker wrote it. */
export function transitionOf(item: Readonly<Record<string, unknown>>): BreakerTransition {
  return { at: Number(item['at']), from: status(item['from'], 'from'), to: status(item['to'], 'to'), version: Number(item['version']) };
}

/** The calls of an order's call log item, in the order they were made. */
export function providerCallsOf(item: Readonly<Record<string, unknown>>): ProviderCall[] {
  const calls = Array.isArray(item['calls']) ? (item['calls'] as Record<string, unknown>[]) : [];
  return calls.map((c) => ({
    at: Number(c['at']),
    attempt: Number(c['attempt']),
    breaker: status(c['breaker'], 'breaker'),
    breakerVersion: Number(c['breakerVersion']),
    outcome: String(c['outcome']) as ProviderOutcome,
  }));
}
