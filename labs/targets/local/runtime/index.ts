export { FunctionInvocationError, startRuntime, type ConsumerProgress, type EmulatorAccess, type LambdaRuntime, type RuntimeOptions } from './lambda-runtime';
export type { ShardProgress } from './shard-processor';
export type { FunctionStats } from './function-pool';
export type { LogEntry } from './log-store';
export type { RuntimeFault } from './runtime-context';
export { DEFAULT_ASYNC_RETRY_DELAYS_MS } from './async-invoker';
export { DEFAULT_SQS_MAXIMUM_CONCURRENCY } from './sqs-source';
export { DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION } from './function-pool';
