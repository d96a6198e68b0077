import type { SubtaskMessage } from './messages';

/**
 * The worker's logic: count the primes of one sub-range (deterministic, CPU-bound) and fan the result
 * in exactly once. Exactly-once rests on two conditional writes behind the FanInPort:
 *
 * 1. recordResult: ONE transaction that puts the result item only if it does not exist AND adds it to
 *    the job's counters only while the job is RUNNING with completed < subtasks. A redelivered subtask
 *    finds its result item and the transaction is cancelled as a whole: nothing is counted twice.
 * 2. finalizeJob: ONE conditional update that completes the job only if completed = subtasks AND the
 *    job is still RUNNING. Of two workers completing the last subtasks concurrently, exactly one wins.
 *
 * A duplicate delivery still tries to finalize: if the first delivery died between the two steps,
 * the redelivery finishes its work.
 */

/** Primes in [from, to), by a segmented sieve: memory stays bounded whatever the range. */
export function countPrimes(from: number, to: number): number {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw new Error(`countPrimes needs integers 0 <= from <= to, but [${from}, ${to}) was provided`);
  }
  const low = Math.max(from, 2);
  if (low >= to) return 0;
  const basePrimes = primesBelow(Math.floor(Math.sqrt(to - 1)) + 1);
  const segmentSize = 1 << 16;
  const composite = new Uint8Array(segmentSize);
  let count = 0;
  for (let start = low; start < to; start += segmentSize) {
    const end = Math.min(start + segmentSize, to);
    composite.fill(0, 0, end - start);
    for (const p of basePrimes) {
      if (p * p >= end) break;
      // Multiples below p*p were crossed out by smaller primes; p itself must stay.
      let multiple = Math.max(p * p, Math.ceil(start / p) * p);
      for (; multiple < end; multiple += p) composite[multiple - start] = 1;
    }
    for (let i = 0; i < end - start; i++) {
      if (composite[i] === 0) count++;
    }
  }
  return count;
}

/** Primes below `limit`, by a plain sieve (limit is at most about the square root of the range). */
function primesBelow(limit: number): number[] {
  const composite = new Uint8Array(Math.max(limit, 2));
  const primes: number[] = [];
  for (let n = 2; n < limit; n++) {
    if (composite[n] === 1) continue;
    primes.push(n);
    for (let m = n * n; m < limit; m += n) composite[m] = 1;
  }
  return primes;
}

export interface SubtaskResult {
  readonly jobId: string;
  readonly subtaskId: number;
  readonly from: number;
  readonly to: number;
  readonly primes: number;
  readonly completedAt: string;
  /** Request id of the invocation that recorded the result. */
  readonly completedBy: string;
}

/**
 * `recorded`: counted now; `duplicate`: the result was already there, nothing changed; `conflict`:
 * another transaction held the job item, nothing changed, try again.
 */
export type RecordOutcome = 'recorded' | 'duplicate' | 'conflict';

/**
 * `finalized`: this call completed the job; `not-final`: its condition failed (subtasks still
 * missing, or another worker finalized first); `conflict`: a transaction held the item, try again.
 */
export type FinalizeOutcome = 'finalized' | 'not-final' | 'conflict';

export interface FinalizeRequest {
  readonly jobId: string;
  readonly finalizedBy: string;
  readonly finalizedAt: string;
}

export interface FanInPort {
  /** The atomic "put result if absent + count it in the job" step. Throws on any other failure. */
  recordResult(result: SubtaskResult): Promise<RecordOutcome>;
  /** The conditional finalize step. Throws on any other failure. */
  finalizeJob(request: FinalizeRequest): Promise<FinalizeOutcome>;
}

export interface WorkerContext {
  /** Lambda request id: recorded as completedBy / finalizedBy. */
  readonly requestId: string;
  readonly now: () => Date;
  /** Waits between attempts after a transaction conflict. */
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1): jitter, so conflicting workers do not retry in lockstep. */
  readonly random: () => number;
}

/** Attempts of one step while the job item is held by other workers' transactions. */
export const MAX_CONFLICT_ATTEMPTS = 6;

/** Full-jitter exponential backoff: up to 20, 40, 80, ... ms. */
export function conflictBackoffMs(attempt: number, random: number): number {
  return Math.floor(random * 20 * 2 ** (attempt - 1));
}

export interface SubtaskOutcome {
  readonly jobId: string;
  readonly subtaskId: number;
  readonly primes: number;
  readonly record: Exclude<RecordOutcome, 'conflict'>;
  /** True iff this invocation finalized the job. */
  readonly finalized: boolean;
}

/** A subtask the job request marked to fail: it throws on every attempt and ends in the dead-letter queue. */
export class SubtaskFailure extends Error {
  constructor(message: SubtaskMessage) {
    super(`subtask ${message.subtaskId} of job ${message.jobId} is marked to fail (failSubtasks)`);
    this.name = 'SubtaskFailure';
  }
}

export async function processSubtask(message: SubtaskMessage, port: FanInPort, context: WorkerContext): Promise<SubtaskOutcome> {
  if (message.fail === true) {
    throw new SubtaskFailure(message);
  }
  const primes = countPrimes(message.from, message.to);
  const result: SubtaskResult = {
    jobId: message.jobId,
    subtaskId: message.subtaskId,
    from: message.from,
    to: message.to,
    primes,
    completedAt: context.now().toISOString(),
    completedBy: context.requestId,
  };
  const record = await retryOnConflict('record the result', context, () => port.recordResult(result));
  // Also after a duplicate: the first delivery may have died between recording and finalizing.
  const finalize = await retryOnConflict('finalize the job', context, () =>
    port.finalizeJob({ jobId: message.jobId, finalizedBy: context.requestId, finalizedAt: context.now().toISOString() }),
  );
  return { jobId: message.jobId, subtaskId: message.subtaskId, primes, record, finalized: finalize === 'finalized' };
}

async function retryOnConflict<T extends string>(
  step: string,
  context: WorkerContext,
  attempt: () => Promise<T>,
): Promise<Exclude<T, 'conflict'>> {
  for (let n = 1; ; n++) {
    const outcome = await attempt();
    if (outcome !== 'conflict') return outcome as Exclude<T, 'conflict'>;
    if (n >= MAX_CONFLICT_ATTEMPTS) {
      // Thrown, so the asynchronous invocation is retried later, when the job item is less contended.
      throw new Error(`could not ${step}: the job item stayed in conflict for ${MAX_CONFLICT_ATTEMPTS} attempts`);
    }
    await context.sleep(conflictBackoffMs(n, context.random()));
  }
}

/** Cancellation reason codes of a TransactWriteItems call, in the order of its items. */
export type CancellationCodes = readonly (string | undefined)[];

/**
 * Reads why the fan-in transaction (item 0: put result, item 1: update job) was cancelled:
 * - the result item's condition failed: the subtask was recorded before (a redelivery), harmless;
 * - a conflicting transaction on either item: nothing was written, the step can be tried again;
 * - anything else (the job missing, or no longer RUNNING while this result is new): an error, so the
 *   delivery is retried and, if it persists, dead-lettered for a human to look at.
 */
export function classifyCancellation(codes: CancellationCodes): 'duplicate' | 'conflict' | 'error' {
  if (codes[0] === 'ConditionalCheckFailed') return 'duplicate';
  if (codes.includes('TransactionConflict')) return 'conflict';
  return 'error';
}
