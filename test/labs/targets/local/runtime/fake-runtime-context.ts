import type { FunctionSpec } from '../../../../../labs/targets/local/model';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import type { FunctionPool } from '../../../../../labs/targets/local/runtime/function-pool';

export interface SentMessage {
  readonly arn: string;
  readonly body: Record<string, unknown>;
}

/**
 * A runtime context with one function, answering each invocation with `respond(event)`, whose
 * destinations and faults are recorded instead of delivered. The function runs at most `limit`
 * invocations at once: `tryInvoke` beyond that is a throttle, as FunctionPool's is.
 */
export function fakeRuntimeContext(
  spec: FunctionSpec,
  respond: (event: unknown) => InvocationOutcome | Promise<InvocationOutcome>,
  { limit = Number.POSITIVE_INFINITY } = {},
) {
  const sent: SentMessage[] = [];
  const faults: unknown[] = [];
  let active = 0;
  const invoke = async (event: unknown): Promise<InvocationOutcome> => {
    active += 1;
    try {
      return await respond(event);
    } finally {
      active -= 1;
    }
  };
  const pool = {
    spec,
    invoke,
    tryInvoke: (event: unknown) => (active >= limit ? undefined : invoke(event)),
  } as unknown as FunctionPool;
  const context = {
    deployment: { stackName: 'LabTest', outputs: {}, functions: [spec], eventSources: [], queueUrlsByArn: {} },
    region: 'us-east-1',
    signal: new AbortController().signal,
    pool: () => pool,
    report: (_source: string, error: unknown) => faults.push(error),
    async sendToDestination(arn: string, body: string) {
      sent.push({ arn, body: JSON.parse(body) as Record<string, unknown> });
    },
  } as unknown as RuntimeContext;
  return { context, sent, faults };
}
