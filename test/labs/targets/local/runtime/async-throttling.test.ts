import type { FunctionSpec } from '../../../../../labs/targets/local/model';
import { AsyncInvoker } from '../../../../../labs/targets/local/runtime/async-invoker';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import { FunctionPool } from '../../../../../labs/targets/local/runtime/function-pool';
import { fakeRuntimeContext } from './fake-runtime-context';
import { fixtureFunction } from './function-specs';

const DLQ = 'arn:aws:sqs:us-east-1:000000000000:subscriber-dlq';
const ON_FAILURE = 'arn:aws:sqs:us-east-1:000000000000:failures';
const ok: InvocationOutcome = { ok: true, requestId: 'req-ok', payload: null };
const failed: InvocationOutcome = { ok: false, requestId: 'req-failed', error: { errorType: 'Error', errorMessage: 'overloaded', trace: [] } };

/**
 * An asynchronously invoked function that may run `limit` invocations at once, each taking `workMs`;
 * it records how many ran together. Retry delays and throttle backoff are shrunk to keep the test fast.
 */
function harness(asyncInvoke: FunctionSpec['asyncInvoke'], { limit, workMs = 20, outcome = ok }: { limit: number; workMs?: number; outcome?: InvocationOutcome }) {
  let running = 0;
  let maxRunning = 0;
  const { context, sent } = fakeRuntimeContext(
    fixtureFunction('recorder', { functionName: 'Subscriber', asyncInvoke }),
    async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, workMs));
      running -= 1;
      return outcome;
    },
    { limit },
  );
  const invoker = new AsyncInvoker(context, [5], { firstMs: 2, maxMs: 10 });
  return { invoker, sent, maxRunning: () => maxRunning };
}

describe('asynchronous invocation under a concurrency limit', () => {
  it('runs at most the function concurrency at once and throttles the rest until an environment is free', async () => {
    // GIVEN a function with 2 environments at most and no retries after a function error
    const { invoker, sent, maxRunning } = harness({ maximumRetryAttempts: 0, deadLetterTargetArn: DLQ }, { limit: 2 });

    // WHEN a burst of 6 events arrives at once
    for (let n = 0; n < 6; n += 1) invoker.invoke('Subscriber', { n });
    await invoker.settled();

    // THEN every event ran once, never more than 2 together, and throttles spent no retry
    expect(maxRunning()).toBe(2);
    expect(invoker.stats()).toMatchObject({ accepted: 6, succeeded: 6, retries: 0, failed: 0, expired: 0 });
    expect(invoker.stats().throttles).toBeGreaterThan(0);
    expect(sent).toEqual([]);
  });

  it('sends an event throttled past its maximum age to the DLQ and on-failure destination as EventAgeExceeded', async () => {
    // GIVEN a function with no concurrency at all (reserved concurrency 0) and a maximum event age of 6 s (0.1 s locally)
    const { invoker, sent } = harness(
      { maximumRetryAttempts: 2, maximumEventAgeSeconds: 6, deadLetterTargetArn: DLQ, onFailureDestinationArn: ON_FAILURE },
      { limit: 0 },
    );

    // WHEN
    invoker.invoke('Subscriber', { n: 1 });
    await invoker.settled();

    // THEN it never ran, and both destinations received it
    expect(invoker.stats()).toMatchObject({ accepted: 1, succeeded: 0, retries: 0, failed: 0, expired: 1 });
    expect(sent.map((message) => message.arn)).toEqual([DLQ, ON_FAILURE]);
    expect(sent[0]?.body).toEqual({ n: 1 });
    expect(sent[1]?.body).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
      requestPayload: { n: 1 },
    });
  });

  it('retries a function error maximumRetryAttempts times, then dead-letters it with the last error', async () => {
    // GIVEN a function that always fails (an overloaded downstream)
    const { invoker, sent } = harness({ maximumRetryAttempts: 2, deadLetterTargetArn: DLQ }, { limit: 1, outcome: failed });

    // WHEN
    invoker.invoke('Subscriber', { n: 7 });
    invoker.invoke('Subscriber', { n: 8 });
    await invoker.settled();

    // THEN each event ran 3 times (2 retries each) and reached the DLQ once
    expect(invoker.stats()).toMatchObject({ accepted: 2, succeeded: 0, retries: 4, failed: 2, expired: 0 });
    expect(sent.map((message) => message.body).sort((a, b) => Number(a.n) - Number(b.n))).toEqual([{ n: 7 }, { n: 8 }]);
  });
});

const POOL_OPTIONS = { baseEnvironment: {}, region: 'us-east-1', onOutput: () => undefined };

describe('FunctionPool.tryInvoke', () => {
  it('throttles while the reserved concurrency is in use and runs once an environment is free', async () => {
    // GIVEN a function with reserved concurrency 1
    const pool = new FunctionPool({ spec: fixtureFunction('sleeps', { reservedConcurrentExecutions: 1 }), ...POOL_OPTIONS });
    try {
      // WHEN one invocation runs
      const first = pool.tryInvoke({ ms: 100 });

      // THEN a second is refused until the first ends
      expect(first).toBeDefined();
      expect(pool.tryInvoke({ ms: 1 })).toBeUndefined();
      expect((await first)?.ok).toBe(true);
      expect((await pool.tryInvoke({ ms: 1 }))?.ok).toBe(true);
      expect(pool.snapshot().maxConcurrent).toBe(1);
    } finally {
      await pool.stop();
    }
  });

  it('throttles every invocation of a function with reserved concurrency 0', async () => {
    const pool = new FunctionPool({ spec: fixtureFunction('sleeps', { reservedConcurrentExecutions: 0 }), ...POOL_OPTIONS });
    expect(pool.tryInvoke({ ms: 1 })).toBeUndefined();
    await pool.stop();
  });
});
