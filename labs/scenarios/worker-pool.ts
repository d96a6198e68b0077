import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { WorkerPoolOutput } from '../../lib/stacks/worker-pool-stack';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { encodeTask, taskIdOf, type WorkerTask } from '../../lambda/worker-pool/messages';
import { deleteMessages, receiveMessages, releaseMessages, sendMessageBatches } from './batching';
import { cdkCommand } from '../cdk-command';
import { integerOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';
import { observeSkew, skewSchedule, type SkewObservation } from './worker-pool-skew';

export interface WorkerPoolOptions {
  readonly tasks: number;
  /** Pool size asked for; undefined means whatever the stack has. */
  readonly workers?: number;
  readonly workMs: number;
  readonly poison: number;
  readonly crash: boolean;
  /** A few tasks ten times longer than the rest (worker-pool-skew.ts); needs one task per batch. */
  readonly skew?: boolean;
}

/** The batch size --skew synthesizes the pool with: a worker pulls one task at a time. */
export const SKEW_BATCH_SIZE = 1;

export interface WorkerShare {
  /** The execution environment (its log stream name). */
  readonly id: string;
  readonly tasks: number;
}

export interface CrashObservation {
  readonly taskId: string;
  readonly completed: boolean;
  /** Receives it took (1 would mean the crash never happened). */
  readonly attempts: number;
  /** The environment that completed it after the crashed one died. */
  readonly workerId?: string;
}

export interface WorkerPoolObservations {
  readonly runId: string;
  readonly tasks: number;
  readonly poison: number;
  /** Non-poison tasks in the ledger. */
  readonly processed: number;
  /** Poison tasks that were completed (must be none). */
  readonly poisonCompleted: number;
  /** This run's tasks found in the DLQ. */
  readonly deadLettered: number;
  /** Tasks in the DLQ that were not poison. */
  readonly deadLetteredHealthy: number;
  /** Extra completions of a task, plus tasks both completed and dead-lettered. */
  readonly duplicates: number;
  readonly workers: readonly WorkerShare[];
  readonly poolSize: number;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly sendCalls: number;
  readonly crash?: CrashObservation;
  readonly skew?: SkewObservation;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}

export interface LedgerItem {
  readonly taskId: string;
  readonly workerId: string;
  readonly attempts: number;
  readonly completions: number;
  /** When the worker recorded the task, epoch ms (NaN if the item has no time). */
  readonly completedAt: number;
}

/** `count` indices spread evenly over `0..total-1`, so poison tasks are not all at one end. */
export function spreadIndices(total: number, count: number): number[] {
  if (count > total) throw new Error(`cannot pick ${count} of ${total} tasks`);
  return Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * total) / count));
}

/** The work of each task: `workMs` each, or the skewed schedule for a pool of `poolSize`. */
export function taskWork(options: Pick<WorkerPoolOptions, 'tasks' | 'workMs' | 'skew'>, poolSize: number): number[] {
  return options.skew === true ? skewSchedule(options.tasks, poolSize, options.workMs) : Array.from({ length: options.tasks }, () => options.workMs);
}

export function makeTasks(
  runId: string,
  options: Pick<WorkerPoolOptions, 'tasks' | 'workMs' | 'poison' | 'crash'>,
  work: readonly number[] = Array.from({ length: options.tasks }, () => options.workMs),
): WorkerTask[] {
  const poison = new Set(spreadIndices(options.tasks, options.poison));
  const crashIndex = options.crash ? [...Array(options.tasks).keys()].find((i) => !poison.has(i)) : undefined;
  return Array.from({ length: options.tasks }, (_, i) => ({
    runId,
    taskId: `${runId}-${String(i).padStart(4, '0')}`,
    workMs: work[i] ?? options.workMs,
    ...(poison.has(i) ? { poison: true } : {}),
    ...(i === crashIndex ? { crash: true } : {}),
  }));
}

/**
 * How long a run may take: a poison task is received MaxReceiveCount times, each after a visibility
 * timeout, before it reaches the DLQ; add the work itself and a margin for cold starts.
 */
export function workerPoolDeadlineMs(params: {
  tasks: number;
  workMs: number;
  poolSize: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** The work of each task, when it varies. @default - `workMs` each */
  work?: readonly number[];
}): number {
  const redelivery = params.visibilityTimeoutSeconds * (params.maxReceiveCount + 1) * 1000;
  const work = params.work
    ? Math.ceil(params.work.reduce((sum, ms) => sum + ms, 0) / Math.max(1, params.poolSize)) + Math.max(0, ...params.work)
    : Math.ceil(params.tasks / Math.max(1, params.poolSize)) * params.workMs;
  return redelivery + work + 30_000;
}

export function workerPoolVerdict(o: Omit<WorkerPoolObservations, 'runId' | 'workers' | 'sendCalls'>): Verdict {
  const failures: string[] = [];
  const healthy = o.tasks - o.poison;
  if (o.timedOut) {
    failures.push(
      `the deadline of ${Math.round(o.timeoutMs / 1000)} s passed with ${o.processed + o.deadLettered} of ${o.tasks} tasks processed or dead-lettered`,
    );
  }
  if (o.processed !== healthy) failures.push(`${o.processed} of ${healthy} tasks were processed`);
  if (o.duplicates > 0) failures.push(`${o.duplicates} duplicate(s): a task was processed more than once`);
  if (o.deadLettered !== o.poison) {
    failures.push(`${o.deadLettered} task(s) reached the dead-letter queue, expected ${o.poison} (the poison tasks)`);
  }
  if (o.deadLetteredHealthy > 0) failures.push(`${o.deadLetteredHealthy} task(s) that were not poison reached the dead-letter queue`);
  if (o.poisonCompleted > 0) failures.push(`${o.poisonCompleted} poison task(s) were completed instead of failing`);
  if (o.crash) {
    if (!o.crash.completed) {
      failures.push(`the crashed task ${o.crash.taskId} was never completed by another environment`);
    } else if (o.crash.attempts < 2) {
      failures.push(`the crashed task ${o.crash.taskId} completed on attempt ${o.crash.attempts}: it was never redelivered`);
    }
  }
  return verdictOf(failures);
}

/** The command that resizes the deployed pool (the pool size is a deploy-time setting on AWS). */
export function resizeCommand(stackName: string, workers: number, stackPrefix: string): string {
  return cdkCommand('deploy', { stackName, stackPrefix }, { workerPoolSize: workers });
}

export async function runWorkerPool(
  session: TargetSession<WorkerPoolOutput>,
  options: WorkerPoolOptions & { readonly stackPrefix?: string },
  ui: Ui,
): Promise<WorkerPoolObservations> {
  const { sqs } = session.clients;
  const queueUrl = textOutput(session, 'WorkQueueUrl');
  const deadLetterUrl = textOutput(session, 'DeadLetterQueueUrl');
  const ledgerTable = textOutput(session, 'LedgerTableName');
  const poolSize = integerOutput(session, 'WorkerPoolSize');
  const maxReceiveCount = integerOutput(session, 'MaxReceiveCount');
  const visibilityTimeoutSeconds = integerOutput(session, 'VisibilityTimeoutSeconds');
  const maxTaskWorkMs = integerOutput(session, 'MaxTaskWorkMs');
  if (options.workMs > maxTaskWorkMs) {
    throw new Error(`--work-ms ${options.workMs} is more than a task of ${session.stackName} may take (${maxTaskWorkMs} ms, bounded by the worker's timeout)`);
  }
  const work = taskWork(options, poolSize);
  const longest = Math.max(0, ...work);
  if (longest > maxTaskWorkMs) {
    const redeploy = cdkCommand('deploy', { stackName: session.stackName, stackPrefix: options.stackPrefix ?? '' }, { workerBatchSize: SKEW_BATCH_SIZE });
    throw new Error(
      `--skew makes the long tasks ${longest} ms, more than a task of ${session.stackName} may take (${maxTaskWorkMs} ms): lower --work-ms` +
        (session.target === 'aws' ? `, or run \`${redeploy}\` so that a worker pulls one task at a time` : ''),
    );
  }
  if (options.workers !== undefined && options.workers !== poolSize) {
    throw new Error(
      session.target === 'aws'
        ? `${session.stackName} is deployed with a pool of ${poolSize} workers, not ${options.workers}: run \`${resizeCommand(session.stackName, options.workers, options.stackPrefix ?? '')}\`, or leave out --workers`
        : `the local ${session.stackName} came up with a pool of ${poolSize} workers instead of the ${options.workers} asked for`,
    );
  }

  const runId = newRunId();
  const tasks = makeTasks(runId, options, work);
  const poisonIds = new Set(tasks.filter((t) => t.poison).map((t) => t.taskId));
  const crashTask = tasks.find((t) => t.crash);
  const timeoutMs = workerPoolDeadlineMs({ ...options, poolSize, maxReceiveCount, visibilityTimeoutSeconds, ...(options.skew === true ? { work } : {}) });

  ui.log(
    `sending ${tasks.length} tasks (${options.poison} poison${crashTask ? ', 1 crashing' : ''}, ${options.skew === true ? `${options.workMs} ms, ${work.filter((ms) => ms > options.workMs).length} of them ${longest} ms` : `${options.workMs} ms each`}) to a pool of ${poolSize} workers (run ${runId})`,
  );
  const { calls } = await sendMessageBatches(sqs, queueUrl, tasks.map(encodeTask));
  ui.debug(
    `waiting at most ${Math.round(timeoutMs / 1000)} s: ${maxReceiveCount} receives x ${visibilityTimeoutSeconds} s visibility timeout for poison tasks, plus the work`,
  );

  const ledger = new Map<string, LedgerItem>();
  const deadLettered = new Set<string>();
  const taskIds = new Set(tasks.map((t) => t.taskId));
  const progress = ui.progress('tasks', tasks.length);
  const accounted = (): number => tasks.filter((t) => ledger.has(t.taskId) || deadLettered.has(t.taskId)).length;
  const started = Date.now();
  const { timedOut } = await pollUntil({
    timeoutMs,
    intervalMs: 250,
    poll: async () => {
      const open = tasks.filter((t) => !ledger.has(t.taskId)).map((t) => t.taskId);
      for (const item of await readLedger(session, ledgerTable, open)) ledger.set(item.taskId, item);
      await drainDeadLetters(session, deadLetterUrl, taskIds, deadLettered);
      return accounted();
    },
    done: (count) => count === tasks.length,
    onState: (count) => progress.update(count, `${deadLettered.size} dead-lettered`),
  });
  progress.stop();

  // A final read of every task: a late duplicate completion shows up as completions > 1.
  for (const item of await readLedger(session, ledgerTable, [...taskIds])) ledger.set(item.taskId, item);
  const completed = [...ledger.values()];
  const shares = new Map<string, number>();
  for (const item of completed) shares.set(item.workerId, (shares.get(item.workerId) ?? 0) + 1);
  const crashed = crashTask ? ledger.get(crashTask.taskId) : undefined;
  const workOf = new Map(tasks.map((t) => [t.taskId, t.workMs]));
  // The ledger's completedAt is taken when the work is done: the task started its work that much before.
  const skew =
    options.skew === true
      ? observeSkew(
          work,
          poolSize,
          completed.map((i) => {
            const workMs = workOf.get(i.taskId) ?? 0;
            return { workerId: i.workerId, workMs, startedAt: i.completedAt - workMs };
          }),
        )
      : undefined;

  return {
    runId,
    tasks: tasks.length,
    poison: poisonIds.size,
    processed: completed.filter((i) => !poisonIds.has(i.taskId)).length,
    poisonCompleted: completed.filter((i) => poisonIds.has(i.taskId)).length,
    deadLettered: deadLettered.size,
    deadLetteredHealthy: [...deadLettered].filter((id) => !poisonIds.has(id)).length,
    duplicates:
      completed.reduce((sum, i) => sum + Math.max(0, i.completions - 1), 0) +
      [...deadLettered].filter((id) => ledger.has(id)).length,
    workers: [...shares].map(([id, count]) => ({ id, tasks: count })).sort((a, b) => b.tasks - a.tasks || a.id.localeCompare(b.id)),
    poolSize,
    maxReceiveCount,
    visibilityTimeoutSeconds,
    sendCalls: calls,
    ...(crashTask
      ? {
          crash: {
            taskId: crashTask.taskId,
            completed: crashed !== undefined,
            attempts: crashed?.attempts ?? 0,
            ...(crashed ? { workerId: crashed.workerId } : {}),
          },
        }
      : {}),
    ...(skew ? { skew } : {}),
    elapsedMs: Date.now() - started,
    timeoutMs,
    timedOut,
  };
}

const BATCH_GET_KEYS = 100;

/** The ledger items of `taskIds` (consistent reads, 100 keys per BatchGetItem, unprocessed keys retried). */
export async function readLedger(session: TargetSession<WorkerPoolOutput>, tableName: string, taskIds: readonly string[]): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  for (let i = 0; i < taskIds.length; i += BATCH_GET_KEYS) {
    let keys: Record<string, unknown>[] | undefined = taskIds.slice(i, i + BATCH_GET_KEYS).map((taskId) => ({ taskId }));
    while (keys && keys.length > 0) {
      const response: BatchGetCommandOutput = await session.clients.dynamodb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const raw of response.Responses?.[tableName] ?? []) items.push(toLedgerItem(raw));
      keys = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

function toLedgerItem(raw: Record<string, unknown>): LedgerItem {
  return {
    taskId: String(raw.taskId),
    workerId: String(raw.workerId ?? 'unknown'),
    attempts: Number(raw.attempts ?? 0),
    completions: Number(raw.completions ?? 1),
    completedAt: Date.parse(String(raw.completedAt)),
  };
}

/** Takes this run's tasks out of the DLQ (other runs' messages stay where they are). */
async function drainDeadLetters(
  session: TargetSession<WorkerPoolOutput>,
  deadLetterUrl: string,
  taskIds: ReadonlySet<string>,
  found: Set<string>,
): Promise<void> {
  const messages = await receiveMessages(session.clients.sqs, deadLetterUrl, 0);
  const ours = messages.filter((m) => {
    const taskId = taskIdOf(m.Body);
    if (taskId === undefined || !taskIds.has(taskId)) return false;
    found.add(taskId);
    return true;
  });
  await deleteMessages(session.clients.sqs, deadLetterUrl, ours);
  await releaseMessages(session.clients.sqs, deadLetterUrl, messages.filter((m) => !ours.includes(m)));
}
