import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The HTTP handler and retry bound of every SDK client the lab tool makes (of AWS and of the local
 * cloud alike): a call that gets no answer fails with a clear error in bounded time, instead of hanging
 * the lab. Without these the SDK waits on a socket forever (no request timeout by default).
 */

/** TCP connect: loopback answers at once, AWS within a second. */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** From the request sent to the answer's headers, for an ordinary call (an emulator on a loaded machine included). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Attempts of one call: the SDK's default, stated here because the bound on a stuck call depends on it. */
export const MAX_ATTEMPTS = 3;

/**
 * Calls that answer only after waiting on purpose, by operation (`X-Amz-Target`), and the longest such
 * wait: ReceiveMessage long-polls up to 20 s (its WaitTimeSeconds, or the queue's
 * ReceiveMessageWaitTimeSeconds when the call names none). SubscribeToShard answers its headers at once
 * and then streams events for up to 5 minutes: the request timeout ends at the headers, so it needs no
 * entry here.
 */
const LONG_POLLS_MS: Readonly<Record<string, number>> = {
  'AmazonSQS.ReceiveMessage': 20_000,
};

type Request = Parameters<NodeHttpHandler['handle']>[0];
type HandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

export interface RequestTimeouts {
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

function operationOf(request: Request): string | undefined {
  const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
  return typeof target === 'string' ? target : undefined;
}

/**
 * A synchronous Lambda Invoke (`POST /2015-03-31/functions/<name>/invocations`) answers when the
 * function returns, up to its timeout: at most 900 s, Lambda's maximum. Cutting it sooner would retry
 * an invocation that is still running, and run the function twice.
 */
const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;
export const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/** How long a request may wait for its answer: the ordinary bound, plus the wait of a long poll or of a synchronous invocation. */
export function requestTimeoutFor(request: Request, requestTimeoutMs = REQUEST_TIMEOUT_MS): number {
  const operation = operationOf(request);
  if (operation === undefined && request.method === 'POST' && LAMBDA_INVOKE_PATH.test(request.path)) return requestTimeoutMs + LAMBDA_MAX_TIMEOUT_MS;
  return requestTimeoutMs + (operation === undefined ? 0 : (LONG_POLLS_MS[operation] ?? 0));
}

/** An HTTP/1.1 handler whose requests time out, long polls given their wait on top. */
export class LabHttpHandler extends NodeHttpHandler {
  private readonly requestTimeoutMs: number;

  constructor(timeouts: RequestTimeouts = {}) {
    super({ connectionTimeout: timeouts.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS, throwOnRequestTimeout: true });
    this.requestTimeoutMs = timeouts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  override async handle(request: Request, options: HandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    const requestTimeout = options.requestTimeout ?? requestTimeoutFor(request, this.requestTimeoutMs);
    try {
      return await super.handle(request, { ...options, requestTimeout });
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'TimeoutError') throw error;
      // Still a TimeoutError, so the SDK retries it as the transient failure it may be.
      const call = `${operationOf(request) ?? `${request.method} ${request.path}`} to ${request.hostname}:${request.port ?? ''}`;
      throw Object.assign(new Error(`${call} got no answer (${error.message}); is the service (or the local emulator) stuck or overloaded?`, { cause: error }), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      });
    }
  }
}

/** What every lab client is built with, over its own region, endpoint and credentials. */
export function requestTimeoutConfig(timeouts: RequestTimeouts = {}): { requestHandler: LabHttpHandler; maxAttempts: number } {
  return { requestHandler: new LabHttpHandler(timeouts), maxAttempts: MAX_ATTEMPTS };
}
