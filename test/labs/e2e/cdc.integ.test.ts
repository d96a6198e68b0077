import { json, labsSideBySide, type CliRun } from './cli-process';

/**
 * The cdc labs as a student runs them, one local cloud each, exact figures for their defaults. The three
 * runs go side by side: each mostly waits on its stream's polls.
 */
jest.setTimeout(240_000);

let runs: Readonly<Record<'dualWrite' | 'rebuild' | 'outage', Promise<CliRun>>>;
beforeAll(() => {
  runs = labsSideBySide({
    dualWrite: ['cdc', 'dual-write', '--items', '3', '--json'],
    rebuild: ['cdc', 'rebuild', '--items', '8', '--writes', '6', '--json'],
    outage: ['cdc', 'outage', '--items', '6', '--refusals', '3', '--json'],
  });
});

type Projector = { name: string; divergentKeys: number; changesApplied: number; changesWritten: number; maxBehind?: number };

describe('labs cdc', () => {
  test('dual-write: the dual-written views diverge exactly as the race predicts, the stream converges', async () => {
    const run = await runs.dualWrite;
    const result = json<{ ok: boolean; dualWrite: { divergentKeys: number; projectors: Array<{ name: string; divergentKeys: number }> }; cdc: { divergentKeys: number; projectors: Projector[] } }>(run);

    expect(run.code).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.dualWrite.divergentKeys).toBe(13);
    expect(result.dualWrite.projectors.map((p) => [p.name, p.divergentKeys])).toEqual([
      ['search-index', 9],
      ['category-summary', 4],
    ]);
    expect(result.cdc.divergentKeys).toBe(0);
    expect(result.cdc.projectors.map((p) => [p.name, p.changesApplied, p.changesWritten])).toEqual([
      ['search-index', 9, 9],
      ['category-summary', 9, 9],
    ]);
  });

  test('rebuild: a snapshot plus the stream, with writes going on, equals the source', async () => {
    const run = await runs.rebuild;
    const result = json<{ ok: boolean; snapshotProducts: number; streamChanges: number; divergentKeys: number; emptiedItems: number; streamRetentionHours: number }>(run);

    expect(run.code).toBe(0);
    expect(result).toMatchObject({ ok: true, divergentKeys: 0, emptiedItems: 0, streamRetentionHours: 24 });
    // Every update written during the rebuild comes after the stream position, whether the scan saw it or not.
    expect(result.snapshotProducts).toBe(8);
    expect(result.streamChanges).toBe(6);
  });

  test('outage: the refused batches are retried, the control keeps up, the poison alone reaches the failure queue', async () => {
    const run = await runs.outage;
    const result = json<{
      ok: boolean;
      changes: number;
      retriesObserved: number;
      failureRecords: number;
      poison: { isolated: boolean; keysMissing: number };
      projectors: Projector[];
      series: Array<{ atMs: number; behind: Record<string, number> }>;
    }>(run);

    expect(run.code).toBe(0);
    expect(result).toMatchObject({ ok: true, changes: 18, retriesObserved: 3, failureRecords: 1, poison: { isolated: true, keysMissing: 43 } });
    expect(result.projectors.map((p) => [p.name, p.divergentKeys, p.changesApplied, p.changesWritten])).toEqual([
      ['search-index', 0, 17, 18],
      ['category-summary', 0, 18, 18],
    ]);
    expect(result.series.length).toBeGreaterThan(1);
  });
});
