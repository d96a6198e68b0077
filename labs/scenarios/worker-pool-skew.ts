import { verdictOf, type Verdict } from './scenario';

/**
 * labs worker-pool --skew (Week 5 day 1, pull-based balancing): a few tasks take ten times longer than
 * the rest. Workers that pull from the queue take a new task when they finish one, so a worker stuck
 * on a long task takes fewer tasks and the busy time evens out, as least-outstanding-requests balancing
 * would. Pushing the same tasks round-robin (task i to worker i mod N) would have stacked every long
 * task on one worker: the schedule puts them exactly where round-robin sends worker 1's tasks.
 */

/** How much longer a long task works than a short one. */
export const LONG_TASK_FACTOR = 10;

/** One long task fewer than the workers, so at least one worker runs short tasks only. */
export function longTaskCount(workers: number): number {
  return Math.max(1, workers - 1);
}

/** The work of each task: long ones at indices 0, N, 2N... (round-robin's worker 1), short ones elsewhere. */
export function skewSchedule(tasks: number, workers: number, shortMs: number): number[] {
  const long = new Set(Array.from({ length: longTaskCount(workers) }, (_, k) => k * workers).filter((i) => i < tasks));
  return Array.from({ length: tasks }, (_, i) => (long.has(i) ? shortMs * LONG_TASK_FACTOR : shortMs));
}

/** Busy ms per worker had task i been pushed to worker i mod N, and the largest of them (the makespan). */
export function roundRobin(workMs: readonly number[], workers: number): { busyMs: number[]; makespanMs: number } {
  const busyMs = Array.from({ length: workers }, () => 0);
  workMs.forEach((ms, i) => (busyMs[i % workers] = (busyMs[i % workers] as number) + ms));
  return { busyMs, makespanMs: Math.max(0, ...busyMs) };
}

/** One task as the ledger recorded it: who took it up, and when. */
export interface RecordedTask {
  readonly workerId: string;
  readonly workMs: number;
  /** When the worker took the task up, epoch ms. */
  readonly startedAt: number;
}

export interface SkewWorker {
  readonly id: string;
  readonly tasks: number;
  readonly longTasks: number;
  readonly busyMs: number;
}

export interface SkewObservation {
  readonly shortMs: number;
  readonly longMs: number;
  readonly longTasks: number;
  readonly workers: readonly SkewWorker[];
  /** First task taken up to the last one done (its start plus its work): what pulling took. */
  readonly measuredMakespanMs: number;
  /** Computed from the same task times, not run: task i pushed to worker i mod N. */
  readonly roundRobinMakespanMs: number;
  readonly roundRobinBusyMs: readonly number[];
}

export function observeSkew(schedule: readonly number[], poolSize: number, recorded: readonly RecordedTask[]): SkewObservation {
  const shortMs = Math.min(...schedule);
  const longMs = Math.max(...schedule);
  const byWorker = new Map<string, RecordedTask[]>();
  for (const task of recorded) byWorker.set(task.workerId, [...(byWorker.get(task.workerId) ?? []), task]);
  const workers = [...byWorker]
    .map(([id, tasks]) => ({
      id,
      tasks: tasks.length,
      longTasks: tasks.filter((t) => longMs > shortMs && t.workMs === longMs).length,
      busyMs: tasks.reduce((sum, t) => sum + t.workMs, 0),
    }))
    .sort((a, b) => b.tasks - a.tasks || a.id.localeCompare(b.id));
  const first = Math.min(...recorded.map((t) => t.startedAt));
  const last = Math.max(...recorded.map((t) => t.startedAt + t.workMs));
  const rr = roundRobin(schedule, poolSize);
  return {
    shortMs,
    longMs,
    longTasks: schedule.filter((ms) => longMs > shortMs && ms === longMs).length,
    workers,
    measuredMakespanMs: recorded.length === 0 ? 0 : last - first,
    roundRobinMakespanMs: rr.makespanMs,
    roundRobinBusyMs: rr.busyMs,
  };
}

/**
 * Holds when pulling finished no later than round-robin would have, and every worker that ran a long
 * task took fewer tasks than every worker that ran none.
 */
export function skewVerdict(o: SkewObservation): Verdict {
  const failures: string[] = [];
  if (o.measuredMakespanMs > o.roundRobinMakespanMs) {
    failures.push(`pulling took ${o.measuredMakespanMs} ms, more than the ${o.roundRobinMakespanMs} ms round-robin would have`);
  }
  const withLong = o.workers.filter((w) => w.longTasks > 0);
  const shortOnly = o.workers.filter((w) => w.longTasks === 0);
  const most = Math.max(0, ...withLong.map((w) => w.tasks));
  const least = Math.min(...shortOnly.map((w) => w.tasks));
  if (shortOnly.length === 0) failures.push('every worker ran a long task: none ran short tasks only to compare with');
  else if (most >= least) failures.push(`a worker with a long task took ${most} tasks, a worker with short tasks only ${least}: the long tasks should have kept their workers from pulling more`);
  return verdictOf(failures);
}
