import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { findModule } from '../lib/modules';
import { textOutput } from '../labs/scenarios/outputs';
import { makeTasks, runWorkerPool, workerPoolVerdict } from '../labs/scenarios/worker-pool';
import type { Ui } from '../labs/report/ui';
import type { Target, TargetSession } from '../labs/targets/target';

/**
 * The worker-pool lab on the local cloud against its ideal: N tasks of `taskMs` each over W workers
 * cannot take less than N * taskMs / W. Measured from just before the first send to the last
 * completion the ledger records (the workers stamp it), so the scenario's polling interval does
 * not count. Target: measured / ideal <= 1.25.
 */

export const MAX_POOL_OVERHEAD = 1.25;

export interface LocalWorkerPoolOptions {
  readonly tasks: number;
  readonly workers: number;
  readonly taskMs: number;
}

export interface LocalWorkerPoolFigure extends LocalWorkerPoolOptions {
  readonly measuredSeconds: number;
  readonly idealSeconds: number;
  readonly ratio: number;
  /** The scenario's own verdict (every task processed once, none dead-lettered). */
  readonly verdictOk: boolean;
  /** Environments that recorded at least one task. */
  readonly workersSeen: number;
  readonly meets: boolean;
}

export function idealSeconds(options: LocalWorkerPoolOptions): number {
  return (options.tasks * options.taskMs) / options.workers / 1000;
}

const BATCH_GET_KEYS = 100;

/** When each task was completed, as the worker recorded it (epoch ms). */
async function completionTimes(session: TargetSession, tableName: string, taskIds: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < taskIds.length; i += BATCH_GET_KEYS) {
    let keys: Record<string, unknown>[] | undefined = taskIds.slice(i, i + BATCH_GET_KEYS).map((taskId) => ({ taskId }));
    while (keys && keys.length > 0) {
      const response: BatchGetCommandOutput = await session.clients.dynamodb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'completedAt' } } }),
      );
      for (const item of response.Responses?.[tableName] ?? []) times.push(Date.parse(String(item.completedAt)));
      keys = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return times;
}

/** Runs the worker-pool scenario on `target` (the local cloud) and times it against the ideal. */
export async function measureLocalWorkerPool(target: Target, options: LocalWorkerPoolOptions, ui: Ui): Promise<LocalWorkerPoolFigure> {
  const session = await target.open(findModule('worker-pool'), { context: { workerPoolSize: options.workers }, log: (line) => ui.log(line) });
  try {
    const started = Date.now();
    const observations = await runWorkerPool(session, { tasks: options.tasks, workers: options.workers, workMs: options.taskMs, poison: 0, crash: false }, ui);
    const taskIds = makeTasks(observations.runId, { tasks: options.tasks, workMs: options.taskMs, poison: 0, crash: false }).map((t) => t.taskId);
    const times = await completionTimes(session, textOutput(session, 'LedgerTableName'), taskIds);
    if (times.length !== options.tasks || times.some((t) => !Number.isFinite(t))) {
      const failures = workerPoolVerdict(observations).failures.join('; ');
      throw new Error(`the ledger holds ${times.length} completion time(s) for ${options.tasks} tasks: ${failures || 'the run did not finish'}`);
    }
    const measuredSeconds = (Math.max(...times) - started) / 1000;
    const ideal = idealSeconds(options);
    const ratio = measuredSeconds / ideal;
    const verdictOk = workerPoolVerdict(observations).ok;
    return {
      ...options,
      measuredSeconds: Math.round(measuredSeconds * 100) / 100,
      idealSeconds: ideal,
      ratio: Math.round(ratio * 1000) / 1000,
      verdictOk,
      workersSeen: observations.workers.length,
      meets: verdictOk && ratio <= MAX_POOL_OVERHEAD,
    };
  } finally {
    await session.close();
  }
}
