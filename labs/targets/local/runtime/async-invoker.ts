import type { RuntimeContext } from './runtime-context';
import { sleep } from './abortable-sleep';
import type { FunctionErrorPayload } from './execution-environment';

/**
 * Delays before the retries of an asynchronous invocation. Lambda waits about 1 min, then about
 * 2 min; the local cloud keeps the same shape at a scale a lab run can wait for.
 */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

/**
 * Asynchronous (`Event`) invocations: the caller hands the event over and moves on; a function error
 * is retried `asyncInvoke.maximumRetryAttempts` times, then the event goes to the function's
 * dead-letter queue and on-failure destination; a success goes to the on-success destination, as
 * Lambda does.
 */
export class AsyncInvoker {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly context: RuntimeContext,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_ASYNC_RETRY_DELAYS_MS,
  ) {}

  /** Accepts the event (like the 202 of InvocationType Event) and runs it in the background. */
  invoke(functionName: string, event: unknown): void {
    // An unknown function fails here, before the event is accepted.
    this.context.pool(functionName);
    const run = this.run(functionName, event).catch((error: unknown) => this.context.report(functionName, error));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Resolves once every accepted event succeeded, was dead-lettered, or was dropped by `stop()`. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async run(functionName: string, event: unknown): Promise<void> {
    const pool = this.context.pool(functionName);
    const { asyncInvoke, functionArn } = pool.spec;
    const attempts = 1 + asyncInvoke.maximumRetryAttempts;
    let lastError: FunctionErrorPayload | undefined;
    let lastRequestId = '';
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      if (this.context.signal.aborted) return;
      if (attempt > 0) {
        await sleep(this.retryDelaysMs[Math.min(attempt - 1, this.retryDelaysMs.length - 1)] ?? 0, this.context.signal);
        if (this.context.signal.aborted) return;
      }
      const outcome = await pool.invoke(event);
      if (outcome.ok) {
        if (asyncInvoke.onSuccessDestinationArn !== undefined) {
          const record = invocationRecord(functionArn, event, outcome.requestId, 'Success', attempt + 1, outcome.payload);
          await this.context.sendToDestination(asyncInvoke.onSuccessDestinationArn, JSON.stringify(record));
        }
        return;
      }
      lastError = outcome.error;
      lastRequestId = outcome.requestId;
    }
    if (lastError === undefined) return;
    if (asyncInvoke.deadLetterTargetArn !== undefined) {
      await this.context.sendToDestination(asyncInvoke.deadLetterTargetArn, JSON.stringify(event), {
        RequestID: { DataType: 'String', StringValue: lastRequestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: lastError.errorMessage.slice(0, 1000) },
      });
    }
    if (asyncInvoke.onFailureDestinationArn !== undefined) {
      const record = invocationRecord(functionArn, event, lastRequestId, 'RetriesExhausted', attempts, {
        errorType: lastError.errorType,
        errorMessage: lastError.errorMessage,
        trace: lastError.trace,
      });
      await this.context.sendToDestination(asyncInvoke.onFailureDestinationArn, JSON.stringify(record));
    }
  }
}

/** The invocation record Lambda sends to an asynchronous invocation's on-success or on-failure destination. */
function invocationRecord(
  functionArn: string,
  event: unknown,
  requestId: string,
  condition: 'Success' | 'RetriesExhausted',
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
