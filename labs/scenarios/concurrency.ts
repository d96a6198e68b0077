import type { ConcurrencyNeed } from '../targets/target';

/**
 * How many Lambda executions each lab runs at once, from its options and its stack's outputs, for
 * the AWS target's check against the account's concurrency limit. Undefined when an output is not a
 * number (the target reports a stack of an older shape on its own).
 */

type Outputs = Readonly<Record<string, string>>;

function count(outputs: Outputs, key: string): number | undefined {
  const value = Number(outputs[key]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Every consumer of the stream reads every shard at once: polling and enhanced fan-out alike. */
export function streamConcurrency(outputs: Outputs): ConcurrencyNeed | undefined {
  const shards = count(outputs, 'ShardCount');
  const consumers = (outputs.ConsumerNames ?? '').split(',').filter((name) => name.trim() !== '').length;
  if (shards === undefined || consumers === 0) return undefined;
  return { executions: shards * consumers, reason: `${shards} shards x ${consumers} consumers` };
}

/** The SQS event source runs at most the pool's size of workers. */
export function workerPoolConcurrency(outputs: Outputs): ConcurrencyNeed | undefined {
  const size = count(outputs, 'WorkerPoolSize');
  return size === undefined ? undefined : { executions: size, reason: `a worker pool of ${size}` };
}

/** SNS invokes one worker per subtask, all at once. */
export function pipelineConcurrency(subtasks: number): ConcurrencyNeed {
  return { executions: subtasks, reason: `${subtasks} subtasks, one worker invocation each` };
}
