import { findModule } from '../lib/modules';
import type { Ui } from '../labs/report/ui';
import { cdcVerdict, runCdc, type CdcOptions } from '../labs/scenarios/cdc';
import type { Target } from '../labs/targets/target';

/**
 * Change data capture on the local cloud: `labs cdc` with 1,000 source writes (inserts, updates,
 * deletes), the lag from each item's last write to its change applied in each view (p50/p99), and
 * the changes each projector applied per second. Informative: no target, the scenario's verdict must hold.
 */
export interface CdcLagFigure {
  readonly changes: number;
  readonly verdictOk: boolean;
  readonly projectors: ReadonlyArray<{ readonly name: string; readonly lagP50Ms: number; readonly lagP99Ms: number; readonly appliedPerSecond: number }>;
}

/** 1,000 changes: 500 inserts, 400 updates, 100 deletes. */
export const CDC_LAG_CHANGES: CdcOptions = { items: 500, updates: 400, deletes: 100 };
export const SMOKE_CDC_LAG_CHANGES: CdcOptions = { items: 10, updates: 5, deletes: 5 };

export async function measureCdcLag(target: Target, options: CdcOptions, ui: Ui): Promise<CdcLagFigure> {
  const session = await target.open(findModule('cdc'), { log: (line) => ui.log(line) });
  try {
    const o = await runCdc(session, options, ui);
    return {
      changes: o.changes,
      verdictOk: cdcVerdict(o).ok,
      projectors: o.projectors.map((p) => ({ name: p.name, lagP50Ms: p.lagMs.p50, lagP99Ms: p.lagMs.p99, appliedPerSecond: p.appliedPerSecond })),
    };
  } finally {
    await session.close();
  }
}
