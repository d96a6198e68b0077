import { findModule } from '../lib/modules';
import type { Ui } from '../labs/report/ui';
import { backpressureVerdict, runBackpressure } from '../labs/scenarios/delivery-backpressure';
import type { Target } from '../labs/targets/target';

/**
 * The buffer strategy of `labs delivery backpressure` on the local cloud against its ideal: a burst of
 * N calls of `workMs` through K permits cannot drain in less than N * workMs / K. Measured from the
 * burst's arrival (just before the first publish) to the last completion the downstream records, so
 * SNS -> SQS delivery, cold starts and every poll and write count. Target: measured / ideal <= 1.25.
 */

export const MAX_DRAIN_OVERHEAD = 1.25;

export interface BackpressureDrainOptions {
  readonly burst: number;
}

export interface BackpressureDrainFigure extends BackpressureDrainOptions {
  readonly capacity: number;
  readonly workMs: number;
  readonly idealSeconds: number;
  readonly measuredSeconds: number;
  readonly ratio: number;
  /** The buffer strategy's own verdict (every message processed, none refused or dead-lettered). */
  readonly verdictOk: boolean;
  readonly meets: boolean;
}

export const BACKPRESSURE_DRAIN_BURST: BackpressureDrainOptions = { burst: 150 };
export const SMOKE_BACKPRESSURE_DRAIN_BURST: BackpressureDrainOptions = { burst: 15 };

export function drainIdealSeconds(burst: number, workMs: number, capacity: number): number {
  return (burst * workMs) / capacity / 1000;
}

export async function measureBackpressureDrain(target: Target, options: BackpressureDrainOptions, ui: Ui): Promise<BackpressureDrainFigure> {
  const session = await target.open(findModule('delivery'), { log: (line) => ui.log(line) });
  try {
    const o = await runBackpressure(session, { burst: options.burst, strategies: ['buffer'] }, ui);
    const buffer = o.strategies[0];
    if (buffer === undefined) throw new Error('the buffer strategy did not run');
    const idealSeconds = drainIdealSeconds(options.burst, o.workMs, o.capacity);
    const measuredSeconds = Math.round(buffer.drainMs / 100) / 10;
    const ratio = Math.round((buffer.drainMs / 1000 / idealSeconds) * 100) / 100;
    return {
      burst: options.burst,
      capacity: o.capacity,
      workMs: o.workMs,
      idealSeconds,
      measuredSeconds,
      ratio,
      verdictOk: backpressureVerdict(o).ok,
      meets: ratio <= MAX_DRAIN_OVERHEAD,
    };
  } finally {
    await session.close();
  }
}
