import type { FunctionSpec } from '../../../../../labs/targets/local/model';
import { AsyncInvoker } from '../../../../../labs/targets/local/runtime/async-invoker';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import { fakeRuntimeContext } from './fake-runtime-context';
import { fixtureFunction } from './function-specs';

const ON_SUCCESS = 'arn:aws:sqs:us-east-1:000000000000:successes';
const ON_FAILURE = 'arn:aws:sqs:us-east-1:000000000000:failures';

/** A runtime context whose function answers each attempt with the next outcome, and whose destinations are recorded. */
function harness(asyncInvoke: FunctionSpec['asyncInvoke'], outcomes: InvocationOutcome[]) {
  let attempts = 0;
  const { context, sent, faults } = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Subscriber', asyncInvoke }), () => {
    attempts += 1;
    return outcomes[Math.min(attempts, outcomes.length) - 1] as InvocationOutcome;
  });
  return { invoker: new AsyncInvoker(context, [0]), sent, faults, attempts: () => attempts };
}

const ok = (payload: unknown): InvocationOutcome => ({ ok: true, requestId: 'req-ok', payload });
const failed: InvocationOutcome = { ok: false, requestId: 'req-failed', error: { errorType: 'Error', errorMessage: 'boom', trace: [] } };

describe('AsyncInvoker', () => {
  it('sends a success to the on-success destination, with the response and the attempts it took', async () => {
    // GIVEN a function that fails once, then succeeds
    const { invoker, sent, faults } = harness(
      { maximumRetryAttempts: 2, onSuccessDestinationArn: ON_SUCCESS, onFailureDestinationArn: ON_FAILURE },
      [failed, ok({ done: true })],
    );

    // WHEN
    invoker.invoke('Subscriber', { order: 1 });
    await invoker.settled();

    // THEN
    expect(faults).toEqual([]);
    expect(sent).toEqual([
      {
        arn: ON_SUCCESS,
        body: expect.objectContaining({
          requestContext: expect.objectContaining({ requestId: 'req-ok', condition: 'Success', approximateInvokeCount: 2 }),
          requestPayload: { order: 1 },
          responseContext: { statusCode: 200, executedVersion: '$LATEST' },
          responsePayload: { done: true },
        }),
      },
    ]);
  });

  it('sends an event that failed every attempt to the on-failure destination only', async () => {
    // GIVEN
    const { invoker, sent, attempts } = harness(
      { maximumRetryAttempts: 1, onSuccessDestinationArn: ON_SUCCESS, onFailureDestinationArn: ON_FAILURE },
      [failed],
    );

    // WHEN
    invoker.invoke('Subscriber', { order: 2 });
    await invoker.settled();

    // THEN
    expect(attempts()).toBe(2);
    expect(sent.map((message) => message.arn)).toEqual([ON_FAILURE]);
    expect(sent[0]?.body).toMatchObject({
      requestContext: { requestId: 'req-failed', condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'boom' },
    });
  });
});
