/**
 * The payment pool's circuit breaker as a pure state machine. Its state lives in one DynamoDB item
 * shared by every worker of the pool (breaker-store.ts writes each transition with a condition on the
 * version it read), so when the provider is down the whole pool stops calling it, not one worker.
 */
export type BreakerStatus = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerState {
  readonly status: BreakerStatus;
  /** Consecutive failures while closed. */
  readonly failures: number;
  /** Epoch ms at which an open breaker lets a probe through. */
  readonly openUntil: number;
  /** Bumped by every write: the condition that makes concurrent transitions safe. */
  readonly version: number;
}

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before a probe. */
  readonly coolDownMs: number;
}

export const INITIAL_BREAKER: BreakerState = { status: 'CLOSED', failures: 0, openUntil: 0, version: 0 };

/**
 * What a worker may do before calling the provider. `call`: go ahead; `probe`: the one call a
 * half-open breaker lets through (the worker must first win the write of `next`); `wait`: do not call,
 * return the message with `delayMs`.
 */
export type Admission =
  | { readonly kind: 'call' }
  | { readonly kind: 'probe'; readonly next: BreakerState }
  | { readonly kind: 'wait'; readonly delayMs: number };

export function admit(state: BreakerState, now: number, policy: BreakerPolicy): Admission {
  switch (state.status) {
    case 'CLOSED':
      return { kind: 'call' };
    case 'OPEN':
      if (now < state.openUntil) return { kind: 'wait', delayMs: state.openUntil - now };
      // The probe's own result closes or reopens it; until then other workers wait a cool-down.
      return { kind: 'probe', next: { ...state, status: 'HALF_OPEN', openUntil: now + policy.coolDownMs, version: state.version + 1 } };
    case 'HALF_OPEN':
      // A probe whose worker died never reports: after a cool-down another one may go.
      if (now >= state.openUntil) {
        return { kind: 'probe', next: { ...state, openUntil: now + policy.coolDownMs, version: state.version + 1 } };
      }
      return { kind: 'wait', delayMs: state.openUntil - now };
  }
}

/** The state after a provider call succeeded; `undefined` when nothing changes (no write needed). */
export function afterSuccess(state: BreakerState): BreakerState | undefined {
  if (state.status === 'CLOSED' && state.failures === 0) return undefined;
  return { status: 'CLOSED', failures: 0, openUntil: 0, version: state.version + 1 };
}

/** The state after a provider call failed (after its in-process retries). */
export function afterFailure(state: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  if (state.status !== 'CLOSED' || state.failures + 1 >= policy.failureThreshold) {
    return { status: 'OPEN', failures: 0, openUntil: now + policy.coolDownMs, version: state.version + 1 };
  }
  return { ...state, failures: state.failures + 1, version: state.version + 1 };
}
