import { redeliveryDelaySeconds, retryDelayMs, type BackoffPolicy, type RedeliveryPolicy } from './backoff';
import { admit, afterFailure, afterSuccess, type BreakerPolicy, type BreakerState } from './breaker';
import type { PaymentResult } from './saga';

/** A provider error worth retrying (timeout, 5xx, outage); a decline is an answer, not an error. */
export class TransientProviderError extends Error {
  override readonly name = 'TransientProviderError';
}

/** The message must come back later: after `delaySeconds` (its new visibility timeout). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    readonly delaySeconds: number,
    reason: string,
  ) {
    super(`${reason}; the message returns in ${delaySeconds} s`);
  }
}

export interface BreakerPort {
  read(): Promise<BreakerState>;
  /** Writes `next` if the stored state still has `expectedVersion`; false when another worker wrote first. */
  write(next: BreakerState, expectedVersion: number): Promise<boolean>;
}

export interface PaymentPorts {
  readonly breaker: BreakerPort;
  /**
   * The provider call, keyed by order id: a charge is made at most once per order. `attempt` numbers
   * the calls for the order over all its deliveries (1, 2, ...).
   */
  charge(orderId: string, amountCents: number, attempt: number): Promise<PaymentResult>;
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
  /** Reports a breaker transition this worker wrote, and each retry with its delay. */
  onTransition(from: BreakerState, to: BreakerState): void;
  onRetry(retry: number, delayMs: number, error: Error): void;
}

export interface PaymentPolicy {
  readonly breaker: BreakerPolicy;
  /** In-process retries after the first call. */
  readonly retries: number;
  readonly backoff: BackoffPolicy;
  readonly redelivery: RedeliveryPolicy;
}

/**
 * Charges one order through the pool-wide breaker. While the breaker is open the provider is not
 * called and the message comes back after the cool-down; a transient error is retried in process, then
 * counted by the breaker and the message comes back later, later on each delivery.
 */
export async function chargeThroughBreaker(
  order: { readonly orderId: string; readonly amountCents: number },
  receiveCount: number,
  ports: PaymentPorts,
  policy: PaymentPolicy,
): Promise<PaymentResult> {
  const state = await ports.breaker.read();
  const admission = admit(state, ports.now(), policy.breaker);
  if (admission.kind === 'wait') {
    throw new RetryLaterError(Math.max(1, Math.ceil(admission.delayMs / 1000)), `the payment breaker is ${state.status}`);
  }
  if (admission.kind === 'probe') {
    if (!(await ports.breaker.write(admission.next, state.version))) {
      throw new RetryLaterError(Math.ceil(policy.breaker.coolDownMs / 1000), 'another worker is probing the payment provider');
    }
    ports.onTransition(state, admission.next);
  }
  let result: PaymentResult;
  try {
    result = await withRetries((retry) => ports.charge(order.orderId, order.amountCents, providerAttempt(receiveCount, retry, policy)), policy, ports);
  } catch (error) {
    if (!(error instanceof TransientProviderError)) throw error;
    await updateBreaker(ports, (current) => afterFailure(current, ports.now(), policy.breaker));
    throw new RetryLaterError(redeliveryDelaySeconds(receiveCount, policy.redelivery), `the payment provider failed: ${error.message}`);
  }
  await updateBreaker(ports, afterSuccess);
  return result;
}

/**
 * The number of a provider call over all deliveries of an order: delivery `receiveCount` makes calls
 * (receiveCount - 1) x (retries + 1) + 1 onwards, `retry` 0 being its first.
 */
export function providerAttempt(receiveCount: number, retry: number, policy: Pick<PaymentPolicy, 'retries'>): number {
  return (receiveCount - 1) * (policy.retries + 1) + retry + 1;
}

async function withRetries(call: (retry: number) => Promise<PaymentResult>, policy: PaymentPolicy, ports: PaymentPorts): Promise<PaymentResult> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await call(retry);
    } catch (error) {
      if (!(error instanceof TransientProviderError) || retry >= policy.retries) throw error;
      const delayMs = retryDelayMs(retry + 1, policy.backoff, ports.random);
      ports.onRetry(retry + 1, delayMs, error);
      await ports.sleep(delayMs);
    }
  }
}

/** Applies a transition to the shared state, re-reading when another worker wrote in between. */
async function updateBreaker(ports: PaymentPorts, next: (state: BreakerState) => BreakerState | undefined): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await ports.breaker.read();
    const wanted = next(current);
    if (wanted === undefined) return;
    if (await ports.breaker.write(wanted, current.version)) {
      if (wanted.status !== current.status) ports.onTransition(current, wanted);
      return;
    }
  }
  throw new Error('the payment breaker kept changing under this worker (5 conflicting writes): the message returns to the queue');
}
