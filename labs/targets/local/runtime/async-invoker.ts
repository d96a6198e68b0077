import type { RuntimeContext } from './runtime-context';
import { sleep } from './abortable-sleep';
import type { FunctionErrorPayload, InvocationOutcome } from './execution-environment';
import type { FunctionPool } from './function-pool';

/**
 * The local cloud runs Lambda's asynchronous event queue at 1/60 of AWS's clock: a minute there is a
 * second here, so a lab waits seconds for what AWS spreads over minutes, in the same proportions.
 */
export const ASYNC_CLOCK_SCALE = 1 / 60;

/**
 * Delays before the retries of an asynchronous invocation. Lambda waits about 1 min, then about
 * 2 min; the local cloud keeps the same shape at a scale a lab run can wait for.
 */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

/** How long a throttled event waits before its next try: it doubles from `firstMs` up to `maxMs`. */
export interface ThrottleBackoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

/**
 * Lambda retries a throttled event after 1 s, doubling up to 5 min. Locally the first wait is scaled
 * like the rest of the queue and the longest is 1 s, so a throttled event is tried again as soon as
 * the function is likely to have an environment free.
 */
export const DEFAULT_THROTTLE_BACKOFF: ThrottleBackoff = { firstMs: Math.ceil(1_000 * ASYNC_CLOCK_SCALE), maxMs: 1_000 };

/** Lambda keeps an event in the asynchronous queue for 6 hours unless MaximumEventAgeInSeconds says less. */
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

/** What happened to the accepted events so far (CloudWatch's AsyncEventsReceived, Throttles, AsyncEventsDropped...). */
export interface AsyncInvokerStats {
  readonly accepted: number;
  /** Attempts refused because every environment the function may have was busy (429, not a retry). */
  readonly throttles: number;
  /** Retries after a function error. */
  readonly retries: number;
  readonly succeeded: number;
  /** Events that exhausted their retries or their maximum age (sent to the DLQ / on-failure destination if any). */
  readonly failed: number;
  readonly expired: number;
}

type Failure = { readonly condition: 'RetriesExhausted' | 'EventAgeExceeded'; readonly error: FunctionErrorPayload; readonly requestId: string; readonly attempts: number };

/**
 * Asynchronous (`Event`) invocations: the caller hands the event over and moves on. A function error
 * is retried `asyncInvoke.maximumRetryAttempts` times; an attempt that finds no environment free
 * (reserved concurrency or the local bound reached) is throttled and tried again with a growing
 * backoff, without spending a retry, until the event is older than its maximum age. An event that
 * runs out of retries or of age goes to the function's dead-letter queue and on-failure destination;
 * a success goes to the on-success destination, as Lambda does.
 */
export class AsyncInvoker {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts = { accepted: 0, throttles: 0, retries: 0, succeeded: 0, failed: 0, expired: 0 };

  constructor(
    private readonly context: RuntimeContext,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_ASYNC_RETRY_DELAYS_MS,
    private readonly throttleBackoff: ThrottleBackoff = DEFAULT_THROTTLE_BACKOFF,
  ) {}

  /** Accepts the event (like the 202 of InvocationType Event) and runs it in the background. */
  invoke(functionName: string, event: unknown): void {
    // An unknown function fails here, before the event is accepted.
    this.context.pool(functionName);
    this.counts.accepted += 1;
    const run = this.run(functionName, event).catch((error: unknown) => this.context.report(functionName, error));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  stats(): AsyncInvokerStats {
    return { ...this.counts };
  }

  /** Resolves once every accepted event succeeded, was dead-lettered, or was dropped by `stop()`. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async run(functionName: string, event: unknown): Promise<void> {
    // Each event sleeps on a signal of its own (AbortSignal.any adds no listener to the runtime's): a
    // burst of throttled events on the one shared signal is more abort listeners than Node allows
    // before it reports a leak.
    const signal = AbortSignal.any([this.context.signal]);
    const pool = this.context.pool(functionName);
    const { asyncInvoke, functionArn } = pool.spec;
    const expiresAt = Date.now() + (asyncInvoke.maximumEventAgeSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1_000 * ASYNC_CLOCK_SCALE;
    const attempts = 1 + asyncInvoke.maximumRetryAttempts;
    let failure: Failure | undefined;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      if (signal.aborted) return;
      if (attempt > 0) {
        this.counts.retries += 1;
        await sleep(this.retryDelaysMs[Math.min(attempt - 1, this.retryDelaysMs.length - 1)] ?? 0, signal);
        if (signal.aborted) return;
      }
      const outcome = await this.attempt(pool, event, expiresAt, signal);
      if (outcome === 'aborted') return;
      if (outcome === 'expired') {
        failure = { condition: 'EventAgeExceeded', error: failure?.error ?? EVENT_AGE_EXCEEDED, requestId: failure?.requestId ?? '-', attempts: attempt };
        break;
      }
      if (outcome.ok) {
        this.counts.succeeded += 1;
        if (asyncInvoke.onSuccessDestinationArn !== undefined) {
          const record = invocationRecord(functionArn, event, outcome.requestId, 'Success', attempt + 1, outcome.payload);
          await this.context.sendToDestination(asyncInvoke.onSuccessDestinationArn, JSON.stringify(record));
        }
        return;
      }
      failure = { condition: 'RetriesExhausted', error: outcome.error, requestId: outcome.requestId, attempts: attempt + 1 };
    }
    if (failure === undefined) return;
    this.counts[failure.condition === 'EventAgeExceeded' ? 'expired' : 'failed'] += 1;
    await this.deadLetter(pool, event, failure);
  }

  /** One attempt, tried again while throttled: the function's outcome, or `expired` once the event is too old to try. */
  private async attempt(pool: FunctionPool, event: unknown, expiresAt: number, signal: AbortSignal): Promise<InvocationOutcome | 'expired' | 'aborted'> {
    let backoffMs = this.throttleBackoff.firstMs;
    for (;;) {
      if (Date.now() >= expiresAt) return 'expired';
      const running = pool.tryInvoke(event);
      if (running !== undefined) return running;
      this.counts.throttles += 1;
      await sleep(Math.min(backoffMs, Math.max(0, expiresAt - Date.now())), signal);
      if (signal.aborted) return 'aborted';
      backoffMs = Math.min(backoffMs * 2, this.throttleBackoff.maxMs);
    }
  }

  private async deadLetter(pool: FunctionPool, event: unknown, failure: Failure): Promise<void> {
    const { asyncInvoke, functionArn } = pool.spec;
    if (asyncInvoke.deadLetterTargetArn !== undefined) {
      await this.context.sendToDestination(asyncInvoke.deadLetterTargetArn, JSON.stringify(event), {
        RequestID: { DataType: 'String', StringValue: failure.requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: failure.error.errorMessage.slice(0, 1000) },
      });
    }
    if (asyncInvoke.onFailureDestinationArn !== undefined) {
      const record = invocationRecord(functionArn, event, failure.requestId, failure.condition, failure.attempts, {
        errorType: failure.error.errorType,
        errorMessage: failure.error.errorMessage,
        trace: failure.error.trace,
      });
      await this.context.sendToDestination(asyncInvoke.onFailureDestinationArn, JSON.stringify(record));
    }
  }
}

const EVENT_AGE_EXCEEDED: FunctionErrorPayload = {
  errorType: 'EventAgeExceeded',
  errorMessage: 'the event stayed in the asynchronous queue longer than MaximumEventAgeInSeconds (throttled)',
  trace: [],
};

/** The invocation record Lambda sends to an asynchronous invocation's on-success or on-failure destination. */
function invocationRecord(
  functionArn: string,
  event: unknown,
  requestId: string,
  condition: 'Success' | Failure['condition'],
  invokeCount: number,
  responsePayload: unknown,
) {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId, functionArn: `${functionArn}:$LATEST`, condition, approximateInvokeCount: invokeCount },
    requestPayload: event,
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(condition === 'Success' ? {} : { functionError: 'Unhandled' }),
    },
    responsePayload,
  };
}
