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
 * destinations and faults are recorded instead of delivered.
 */
export function fakeRuntimeContext(spec: FunctionSpec, respond: (event: unknown) => InvocationOutcome) {
  const sent: SentMessage[] = [];
  const faults: unknown[] = [];
  const pool = {
    spec,
    async invoke(event: unknown): Promise<InvocationOutcome> {
      return respond(event);
    },
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
