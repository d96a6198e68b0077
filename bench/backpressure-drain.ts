import { findModule } from '../lib/modules';
import type { Ui } from '../labs/report/ui';
import { backpressureVerdict, runBackpressure } from '../labs/scenarios/delivery-backpressure';
import type { Target } from '../labs/targets/target';
import { median, round } from './stats';

/**
 * The buffer strategy of `labs delivery backpressure` on the local cloud against its ideal: a burst of
 * N calls of `workMs` through K permits cannot drain in less than N * workMs / K. Measured from the
 * burst's arrival (just before the first publish) to the last completion the downstream records, so
 * SNS -> SQS delivery, cold starts and every poll and write count. Each run has a cloud of its own, so
 * each starts cold as a student's first run does; the figure is the median run. Target: measured /
 * ideal <= 1.25.
 */

export const MAX_DRAIN_OVERHEAD = 1.25;

export interface BackpressureDrainOptions {
  readonly burst: number;
}

export interface BackpressureDrainFigure extends BackpressureDrainOptions {
  readonly capacity: number;
  readonly workMs: number;
  readonly idealSeconds: number;
  readonly runs: number;
  /** The median run's drain time, and every run's. */
  readonly measuredSeconds: number;
  readonly runSeconds: readonly number[];
  /** measuredSeconds / idealSeconds. */
  readonly ratio: number;
  /** The buffer strategy's own verdict in every run (every message processed, none refused or dead-lettered). */
  readonly verdictOk: boolean;
  /** What the verdict found wrong, per run ("run 2: buffer: processed 149, expected 150 (...)"). */
  readonly failures: readonly string[];
  readonly meets: boolean;
}

export const BACKPRESSURE_DRAIN_BURST: BackpressureDrainOptions = { burst: 150 };
export const SMOKE_BACKPRESSURE_DRAIN_BURST: BackpressureDrainOptions = { burst: 15 };

export function drainIdealSeconds(burst: number, workMs: number, capacity: number): number {
  return (burst * workMs) / capacity / 1000;
}

interface DrainRun {
  readonly capacity: number;
  readonly workMs: number;
  readonly drainMs: number;
  readonly failures: readonly string[];
}

async function drainOnce(target: Target, options: BackpressureDrainOptions, ui: Ui): Promise<DrainRun> {
  const session = await target.open(findModule('delivery'), { log: (line) => ui.log(line) });
  try {
    const o = await runBackpressure(session, { burst: options.burst, strategies: ['buffer'] }, ui);
    const buffer = o.strategies[0];
    if (buffer === undefined) throw new Error('the buffer strategy did not run');
    return { capacity: o.capacity, workMs: o.workMs, drainMs: buffer.drainMs, failures: backpressureVerdict(o).failures };
  } finally {
    await session.close();
  }
}

/** The figure of runs of one burst and one stack: the median drain against the ideal, and every failure the verdicts found. */
export function drainFigure(options: BackpressureDrainOptions, runs: readonly DrainRun[]): BackpressureDrainFigure {
  const first = runs[0];
  if (first === undefined) throw new Error('no run of the buffer strategy to report');
  const idealSeconds = drainIdealSeconds(options.burst, first.workMs, first.capacity);
  const runSeconds = runs.map((run) => round(run.drainMs / 1000, 1));
  const medianSeconds = median(runs.map((run) => run.drainMs)) / 1000;
  const measuredSeconds = round(medianSeconds, 1);
  const ratio = round(medianSeconds / idealSeconds);
  const failures = runs.flatMap((run, index) => run.failures.map((failure) => `run ${index + 1}: ${failure}`));
  return {
    burst: options.burst,
    capacity: first.capacity,
    workMs: first.workMs,
    idealSeconds,
    runs: runs.length,
    measuredSeconds,
    runSeconds,
    ratio,
    verdictOk: failures.length === 0,
    failures,
    meets: failures.length === 0 && ratio <= MAX_DRAIN_OVERHEAD,
  };
}

export async function measureBackpressureDrain(target: Target, options: BackpressureDrainOptions, runs: number, ui: Ui): Promise<BackpressureDrainFigure> {
  const results: DrainRun[] = [];
  for (let i = 0; i < runs; i += 1) {
    if (runs > 1) ui.log(`backpressureDrain: run ${i + 1} of ${runs}, on a cloud of its own`);
    results.push(await drainOnce(target, options, ui));
  }
  return drainFigure(options, results);
}
