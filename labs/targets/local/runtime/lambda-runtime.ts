import { LOCAL_CREDENTIALS, LOCAL_REGION, type Endpoints, type EventSourceSpec, type LocalDeployment, type SqsEventSourceSpec } from '../model';
import { AsyncInvoker, DEFAULT_ASYNC_RETRY_DELAYS_MS } from './async-invoker';
import { EmulatorClients } from './emulator-clients';
import { asError, type RuntimeContext, type RuntimeFault } from './runtime-context';
import type { FunctionErrorPayload } from './execution-environment';
import { DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION, FunctionPool, type FunctionStats } from './function-pool';
import { createEventSource, type EventSource } from './event-sources';
import { LogStore, type LogEntry } from './log-store';
import { DEFAULT_SQS_MAXIMUM_CONCURRENCY } from './sqs-source';
import type { ShardProgress } from './shard-processor';

/** The running emulators, as the emulator module hands them out. */
export interface EmulatorAccess {
  readonly endpoints: Endpoints;
  /** `AWS_ENDPOINT_URL_*` (and region, credentials) for a process that talks to the emulators. */
  environment(): Readonly<Record<string, string>>;
}

export interface RuntimeOptions {
  readonly emulators: EmulatorAccess;
  /** Where handler output is echoed when `verbose`, and where faults go when nobody listens. */
  readonly log?: (line: string) => void;
  /** Echo every handler output line to `log`. @default false */
  readonly verbose?: boolean;
  /** Delays before the retries of asynchronous invocations. @default DEFAULT_ASYNC_RETRY_DELAYS_MS */
  readonly asyncRetryDelaysMs?: readonly number[];
}

/** A synchronous invocation that ended in a function error (Lambda's `FunctionError: Unhandled`). */
export class FunctionInvocationError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];

  constructor(
    readonly functionName: string,
    readonly requestId: string,
    error: FunctionErrorPayload,
  ) {
    super(`function ${functionName} failed (request ${requestId}): ${error.errorType}: ${error.errorMessage}`);
    this.name = 'FunctionInvocationError';
    this.errorType = error.errorType;
    this.errorMessage = error.errorMessage;
    this.trace = error.trace;
  }
}

/** One stream mapping's position on its stream, shard by shard. */
export interface ConsumerProgress {
  /** The mapping's logical id in the template. */
  readonly mapping: string;
  readonly functionName: string;
  /** `polling` (GetRecords), or the enhanced fan-out consumer's name. */
  readonly consumer: string;
  readonly shards: readonly ShardProgress[];
}

export interface LambdaRuntime {
  /** RequestResponse invocation: the handler's result, or a FunctionInvocationError. */
  invoke(functionName: string, payload: unknown): Promise<unknown>;
  /** Event invocation: returns once accepted; retries and dead-lettering happen in the background. */
  invokeAsync(functionName: string, payload: unknown): void;
  /** Captured handler output, per function and environment (log stream). */
  logs(functionName?: string): LogEntry[];
  stats(functionName: string): FunctionStats;
  /** Every stream mapping (polling, or an enhanced fan-out consumer) and where it is on each shard. */
  consumers(): ConsumerProgress[];
  /** Faults of the local cloud itself (not function errors). Returns an unsubscribe function. */
  onError(listener: (fault: RuntimeFault) => void): () => void;
  /** Stops the pollers and terminates every environment. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs a provisioned deployment's functions: one pool of execution environments per function, and a
 * poller per event source feeding them with Lambda's semantics. Resolves once every poller is in
 * place (shard iterators taken, subscriptions open), so records put afterwards are seen.
 */
export async function startRuntime(deployment: LocalDeployment, options: RuntimeOptions): Promise<LambdaRuntime> {
  const region = LOCAL_REGION;
  const logStore = new LogStore(options.verbose ? options.log : undefined);
  const clients = new EmulatorClients(options.emulators.endpoints);
  const abort = new AbortController();
  const listeners = new Set<(fault: RuntimeFault) => void>();
  const baseEnvironment: Record<string, string> = {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: 'local',
    // The SDK warns, in every environment's log, that its releases after January 2027 need Node.js 22:
    // a notice about the Node.js this runtime runs on, which Lambda's nodejs24.x would not print.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.emulators.environment(),
  };

  const pools = new Map<string, FunctionPool>();
  for (const spec of deployment.functions) {
    pools.set(
      spec.functionName,
      new FunctionPool({
        spec,
        baseEnvironment,
        region,
        onOutput: (logStreamName, stream, line) => logStore.append(spec.functionName, logStreamName, stream, line),
        maxEnvironments: Math.max(DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION, sqsPollersOf(deployment, spec.functionName)),
      }),
    );
  }

  const context: RuntimeContext = {
    deployment,
    region,
    signal: abort.signal,
    pool(functionName) {
      const pool = pools.get(functionName);
      if (pool === undefined) {
        const known = [...pools.keys()].join(', ') || 'none';
        throw new Error(`no function named ${functionName} in stack ${deployment.stackName} (functions: ${known})`);
      }
      return pool;
    },
    sqs: () => clients.sqs(),
    kinesis: () => clients.kinesis(),
    dynamodbStreams: () => clients.dynamodbStreams(),
    report(source, error) {
      if (abort.signal.aborted) return;
      const fault: RuntimeFault = { source, error: asError(error) };
      if (listeners.size === 0) options.log?.(`local runtime: ${source}: ${fault.error.message}`);
      for (const listener of listeners) listener(fault);
    },
    sendToDestination: (arn, body, attributes) => clients.sendToDestination(deployment, arn, body, attributes),
  };
  const asyncInvoker = new AsyncInvoker(context, options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS);

  const sources: EventSource[] = [];
  const streamSources: { spec: EventSourceSpec; source: EventSource }[] = [];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      abort.abort();
      await Promise.allSettled(sources.map((source) => source.stop()));
      await Promise.allSettled([...pools.values()].map((pool) => pool.stop()));
      await asyncInvoker.settled().catch(() => undefined);
      clients.destroy();
    })();
    return stopping;
  };

  try {
    for (const spec of deployment.eventSources) context.pool(spec.functionName);
    for (const spec of deployment.eventSources.filter((source) => source.kind === 'sns' || source.enabled)) {
      const source = createEventSource(spec, { context, asyncInvoker });
      sources.push(source);
      if (spec.kind === 'kinesis' || spec.kind === 'dynamodb') streamSources.push({ spec, source });
    }
    await Promise.all(sources.map((source) => source.start()));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    async invoke(functionName, payload) {
      const outcome = await context.pool(functionName).invoke(payload);
      if (!outcome.ok) throw new FunctionInvocationError(functionName, outcome.requestId, outcome.error);
      return outcome.payload;
    },
    invokeAsync(functionName, payload) {
      asyncInvoker.invoke(functionName, payload);
    },
    logs: (functionName) => logStore.entries(functionName),
    stats: (functionName) => context.pool(functionName).snapshot(),
    consumers: () =>
      streamSources.map(({ spec, source }) => ({
        mapping: spec.logicalId,
        functionName: spec.functionName,
        consumer: spec.kind === 'kinesis' && spec.consumerName !== undefined ? spec.consumerName : 'polling',
        shards: source.positions?.() ?? [],
      })),
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
  };
}

/**
 * The environments a function's enabled SQS mappings ask for together (MaximumConcurrency each): the
 * template's own bound, which the local default must not cut. Reserved concurrency still caps it.
 */
function sqsPollersOf(deployment: LocalDeployment, functionName: string): number {
  return deployment.eventSources
    .filter((spec): spec is SqsEventSourceSpec => spec.kind === 'sqs' && spec.enabled && spec.functionName === functionName)
    .reduce((total, spec) => total + (spec.maximumConcurrency ?? DEFAULT_SQS_MAXIMUM_CONCURRENCY), 0);
}
