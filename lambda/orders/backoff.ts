/**
 * Retry delays of the payment worker, at two scales. Inside one delivery, a transient provider error is
 * retried a few times after exponentially growing waits with full jitter (so a pool of workers that
 * failed together does not retry together). Across deliveries, the message's visibility timeout grows
 * with its receive count, so the queue itself spaces the later attempts out.
 */
export interface BackoffPolicy {
  /** Wait before the first retry, before jitter. */
  readonly baseMs: number;
  /** Longest wait, before jitter. */
  readonly capMs: number;
}

/**
 * The wait before in-process retry `retry` (1 = the first retry): full jitter over
 * `min(capMs, baseMs * 2^(retry - 1))`. `random` returns a number in [0, 1).
 */
export function retryDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  if (!Number.isInteger(retry) || retry < 1) throw new Error(`retry must be an integer of at least 1, but ${retry} was provided`);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export interface RedeliveryPolicy {
  /** Visibility timeout after the first failed delivery. */
  readonly baseSeconds: number;
  /** Longest visibility timeout (SQS allows at most 12 hours). */
  readonly maxSeconds: number;
}

/** SQS refuses a visibility timeout above 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60;

/**
 * The visibility timeout a failed delivery returns its message with: doubled per receive
 * (ApproximateReceiveCount, 1 on the first delivery), capped.
 */
export function redeliveryDelaySeconds(receiveCount: number, policy: RedeliveryPolicy): number {
  if (!Number.isInteger(receiveCount) || receiveCount < 1) {
    throw new Error(`receiveCount must be an integer of at least 1, but ${receiveCount} was provided`);
  }
  const cap = Math.min(policy.maxSeconds, MAX_VISIBILITY_TIMEOUT_SECONDS);
  return Math.min(cap, policy.baseSeconds * 2 ** (receiveCount - 1));
}
