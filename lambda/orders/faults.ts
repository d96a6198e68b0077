/**
 * The fault switches the labs set: one item of the control table, read by every worker through a short
 * cache. The same item steers the workers on AWS and on the local cloud; no code path exists for one only.
 */
export interface FaultSwitches {
  /** Share of provider calls that fail transiently, 0 to 1. */
  readonly paymentFailureRate: number;
  /** Epoch ms until which the payment provider is down. */
  readonly paymentOutageUntil: number;
  /** Epoch ms until which the inventory service's store is down. */
  readonly inventoryOutageUntil: number;
  /** Latency added to every provider and inventory call, in ms. */
  readonly addedLatencyMs: number;
  /**
   * Order ids whose payment worker crashes (its process exits) right after the provider charged the
   * order and before the charge is recorded on the order: the delivery fails as a whole and the queue
   * redelivers it after its visibility timeout.
   */
  readonly paymentCrashAfterCharge: readonly string[];
}

export const NO_FAULTS: FaultSwitches = { paymentFailureRate: 0, paymentOutageUntil: 0, inventoryOutageUntil: 0, addedLatencyMs: 0, paymentCrashAfterCharge: [] };

/** Most order ids the crash switch holds (the lab's own bound is lower): the item stays small. */
export const MAX_CRASH_ORDERS = 100;

/** Key of the fault-switch item in the control table. */
export const FAULTS_ITEM_ID = 'faults';

/** The switches an item holds; a missing or malformed value is that switch off. */
export function faultSwitchesOf(item: Readonly<Record<string, unknown>> | undefined): FaultSwitches {
  const number = (key: Exclude<keyof FaultSwitches, 'paymentCrashAfterCharge'>, max: number): number => {
    const value = item?.[key];
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), max) : 0;
  };
  return {
    paymentFailureRate: number('paymentFailureRate', 1),
    paymentOutageUntil: number('paymentOutageUntil', Number.MAX_SAFE_INTEGER),
    inventoryOutageUntil: number('inventoryOutageUntil', Number.MAX_SAFE_INTEGER),
    addedLatencyMs: number('addedLatencyMs', 5000),
    paymentCrashAfterCharge: orderIds(item?.['paymentCrashAfterCharge']),
  };
}

function orderIds(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value instanceof Set ? [...(value as Set<unknown>)] : [];
  return values.filter((id): id is string => typeof id === 'string').slice(0, MAX_CRASH_ORDERS);
}

/**
 * Whether the payment worker crashes now: the order is on the crash switch and this delivery's provider
 * call made the charge. The redelivery finds the charge made (the provider answers it again without a
 * second charge), so each such order crashes once, whatever the delivery it was charged on.
 */
export function crashesAfterCharge(faults: Pick<FaultSwitches, 'paymentCrashAfterCharge'>, orderId: string, chargedNow: boolean): boolean {
  return chargedNow && faults.paymentCrashAfterCharge.includes(orderId);
}

/** Reads through `load` at most once per `ttlMs`: a switch the lab flips reaches every worker within it. */
export function cachedFaults(load: () => Promise<FaultSwitches>, ttlMs: number, now: () => number = () => Date.now()): () => Promise<FaultSwitches> {
  let cached: { readonly value: FaultSwitches; readonly at: number } | undefined;
  return async () => {
    if (cached === undefined || now() - cached.at >= ttlMs) cached = { value: await load(), at: now() };
    return cached.value;
  };
}
