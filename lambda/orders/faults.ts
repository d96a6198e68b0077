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
}

export const NO_FAULTS: FaultSwitches = { paymentFailureRate: 0, paymentOutageUntil: 0, inventoryOutageUntil: 0, addedLatencyMs: 0 };

/** Key of the fault-switch item in the control table. */
export const FAULTS_ITEM_ID = 'faults';

/** The switches an item holds; a missing or malformed value is that switch off. */
export function faultSwitchesOf(item: Readonly<Record<string, unknown>> | undefined): FaultSwitches {
  const number = (key: keyof FaultSwitches, max: number): number => {
    const value = item?.[key];
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), max) : 0;
  };
  return {
    paymentFailureRate: number('paymentFailureRate', 1),
    paymentOutageUntil: number('paymentOutageUntil', Number.MAX_SAFE_INTEGER),
    inventoryOutageUntil: number('inventoryOutageUntil', Number.MAX_SAFE_INTEGER),
    addedLatencyMs: number('addedLatencyMs', 5000),
  };
}

/** Reads through `load` at most once per `ttlMs`: a switch the lab flips reaches every worker within it. */
export function cachedFaults(load: () => Promise<FaultSwitches>, ttlMs: number, now: () => number = () => Date.now()): () => Promise<FaultSwitches> {
  let cached: { readonly value: FaultSwitches; readonly at: number } | undefined;
  return async () => {
    if (cached === undefined || now() - cached.at >= ttlMs) cached = { value: await load(), at: now() };
    return cached.value;
  };
}
