import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { findModule } from '../lib/modules';
import { textOutput } from '../labs/scenarios/outputs';
import { makeTasks, readLedger, runWorkerPool, workerPoolVerdict, type LedgerItem } from '../labs/scenarios/worker-pool';
import type { Ui } from '../labs/report/ui';
import type { Target, TargetSession } from '../labs/targets/target';
import { elapsedMs, median, sample } from './stats';

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
  /** From the first send to the first recorded task: cold starts and the first poll. */
  readonly firstRecordSeconds: number;
  /** Median over workers of the time between two of its consecutive completions (taskMs + overhead). */
  readonly perTaskMs: number;
  /**
   * Median latency of one conditional UpdateItem on the local ledger table, probed after the run: the
   * one write a worker makes per task (the conditional ledger write), part of the per-task overhead.
   */
  readonly dynamodbWriteMs: number;
  readonly meets: boolean;
}

export function idealSeconds(options: LocalWorkerPoolOptions): number {
  return (options.tasks * options.taskMs) / options.workers / 1000;
}

/** When each task was completed, and by which environment, as the ledger records it. */
type Completion = Pick<LedgerItem, 'workerId' | 'completedAt'>;

/** Median over workers of the mean gap between a worker's consecutive completions. */
export function medianInterval(recorded: readonly Completion[]): number {
  const byWorker = new Map<string, number[]>();
  for (const c of recorded) byWorker.set(c.workerId, [...(byWorker.get(c.workerId) ?? []), c.completedAt]);
  const gaps = [...byWorker.values()]
    .filter((times) => times.length > 1)
    .map((times) => {
      const sorted = [...times].sort((a, b) => a - b);
      return ((sorted.at(-1) as number) - (sorted[0] as number)) / (sorted.length - 1);
    });
  return gaps.length > 0 ? median(gaps) : 0;
}

const WRITE_PROBES = 20;

/** Times conditional updates of one probe item (its own key, not a task's) on the ledger table. */
async function probeWriteMs(session: TargetSession, tableName: string): Promise<number> {
  const times = await sample(WRITE_PROBES, () =>
    elapsedMs(() =>
      session.clients.dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { taskId: 'bench-write-probe' },
          UpdateExpression: 'ADD probes :one',
          ConditionExpression: 'attribute_not_exists(completions)',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    ),
  );
  return median(times);
}

/** Runs the worker-pool scenario on `target` (the local cloud) and times it against the ideal. */
export async function measureLocalWorkerPool(target: Target, options: LocalWorkerPoolOptions, ui: Ui): Promise<LocalWorkerPoolFigure> {
  const session = await target.open(findModule('worker-pool'), { context: { workerPoolSize: options.workers }, log: (line) => ui.log(line) });
  try {
    const started = Date.now();
    const observations = await runWorkerPool(session, { tasks: options.tasks, workers: options.workers, workMs: options.taskMs, poison: 0, crash: false }, ui);
    const taskIds = makeTasks(observations.runId, { tasks: options.tasks, workMs: options.taskMs, poison: 0, crash: false }).map((t) => t.taskId);
    const ledgerTable = textOutput(session, 'LedgerTableName');
    const recorded = await readLedger(session, ledgerTable, taskIds);
    const times = recorded.map((c) => c.completedAt);
    if (times.length !== options.tasks || times.some((t) => !Number.isFinite(t))) {
      const failures = workerPoolVerdict(observations).failures.join('; ');
      throw new Error(`the ledger holds ${times.length} completion time(s) for ${options.tasks} tasks: ${failures || 'the run did not finish'}`);
    }
    const measuredSeconds = (Math.max(...times) - started) / 1000;
    const dynamodbWriteMs = await probeWriteMs(session, ledgerTable);
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
      firstRecordSeconds: Math.round(Math.min(...times) - started) / 1000,
      perTaskMs: Math.round(medianInterval(recorded)),
      dynamodbWriteMs: Math.round(dynamodbWriteMs * 10) / 10,
      meets: verdictOk && ratio <= MAX_POOL_OVERHEAD,
    };
  } finally {
    await session.close();
  }
}
