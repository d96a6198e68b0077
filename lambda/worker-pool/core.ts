import type { WorkerTask } from './messages';

/** How long a ledger entry is kept (DynamoDB TTL): long enough to inspect a run, then gone. */
export const LEDGER_TTL_SECONDS = 24 * 60 * 60;

/** One delivery of a task to one worker. */
export interface Delivery {
  /** The execution environment: the Lambda context's log stream name. */
  readonly workerId: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

/** What the ledger stores for a completed task. */
export interface Completion {
  readonly taskId: string;
  readonly runId: string;
  readonly workerId: string;
  readonly attempts: number;
  readonly completedAt: string;
  /** Epoch seconds (DynamoDB TTL). */
  readonly expiresAt: number;
}

/** `recorded`: this delivery completed the task; `already-completed`: an earlier one did, nothing was counted. */
export type RecordResult = 'recorded' | 'already-completed';

/** Side effects the worker needs, injected so the logic runs without AWS. */
export interface WorkerPorts {
  sleep(ms: number): Promise<void>;
  /** The clock: a completion is stamped when the work is done, not when the task was received. */
  now(): Date;
  /** Ends the execution environment abruptly, as an out-of-memory kill or a host failure would. */
  crashEnvironment(reason: string): never;
  /** Conditional write: records the completion only if the task has none yet. */
  recordCompletion(completion: Completion): Promise<RecordResult>;
}

export interface TaskOutcome {
  readonly taskId: string;
  readonly workerId: string;
  readonly result: RecordResult;
}

export class PoisonTaskError extends Error {
  constructor(taskId: string, receiveCount: number) {
    super(`task ${taskId} is poison: it fails on every delivery (this was delivery ${receiveCount})`);
    this.name = 'PoisonTaskError';
  }
}

/** A crash task dies on its first delivery only, so a later delivery, to any worker, completes it. */
export function shouldCrash(task: WorkerTask, receiveCount: number): boolean {
  return task.crash === true && receiveCount <= 1;
}

export function completionOf(task: WorkerTask, delivery: Delivery, completedAt: Date): Completion {
  return {
    taskId: task.taskId,
    runId: task.runId,
    workerId: delivery.workerId,
    attempts: delivery.receiveCount,
    completedAt: completedAt.toISOString(),
    expiresAt: Math.floor(completedAt.getTime() / 1000) + LEDGER_TTL_SECONDS,
  };
}

/**
 * Processes one task: a poison task fails before doing anything, a crash task kills its environment
 * mid-task on the first delivery, any other task works `workMs` and is then recorded exactly once.
 */
export async function performTask(task: WorkerTask, delivery: Delivery, ports: WorkerPorts): Promise<TaskOutcome> {
  if (task.poison === true) {
    throw new PoisonTaskError(task.taskId, delivery.receiveCount);
  }
  if (shouldCrash(task, delivery.receiveCount)) {
    await ports.sleep(Math.floor(task.workMs / 2));
    ports.crashEnvironment(`task ${task.taskId} asked to crash its worker on delivery ${delivery.receiveCount}`);
  }
  await ports.sleep(task.workMs);
  const result = await ports.recordCompletion(completionOf(task, delivery, ports.now()));
  return { taskId: task.taskId, workerId: delivery.workerId, result };
}
