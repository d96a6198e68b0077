import { categorySummary } from '../../../lambda/cdc/category-summary';
import type { Projector } from '../../../lambda/cdc/core';
import { parseProduct } from '../../../lambda/cdc/schema';
import { searchIndex } from '../../../lambda/cdc/search-index';
import type { ProjectorObservations } from '../../../labs/scenarios/cdc';
import { dualWriteVerdict, predictedDivergence, RACE, raceProducts, raceTurns, type RaceStep } from '../../../labs/scenarios/cdc-dual-write';
import { FAILING_PROJECTOR, outageVerdict, poisonBurst, poisonProduct, type OutageProjector } from '../../../labs/scenarios/cdc-outage';
import { rebuildVerdict, snapshotChange, SNAPSHOT_SEQUENCE_NUMBER } from '../../../labs/scenarios/cdc-rebuild';

const projectors = [searchIndex, categorySummary] as Array<Projector<unknown>>;
const converged: ProjectorObservations = { name: 'search-index', divergentKeys: 0, changesWritten: 9, changesApplied: 9, orderViolations: 0, lagMs: { p50: 1, p99: 2 }, appliedPerSecond: 10 };

describe('dual-write race', () => {
  it('predicts the divergent keys of each dual-written view exactly, whatever the run id', () => {
    // 3 products: 3 terms per product left behind in the search index; 4 category counters wrong.
    expect(predictedDivergence(projectors, 'ab12cd34', 3)).toEqual({ 'search-index': 9, 'category-summary': 4 });
    expect(predictedDivergence(projectors, 'run', 3)).toEqual({ 'search-index': 9, 'category-summary': 4 });
    expect(predictedDivergence(projectors, 'run', 1)).toEqual({ 'search-index': 3, 'category-summary': 2 });
  });

  it('gives each writer a version of its own, other than the product first inserted', () => {
    const [race] = raceProducts('run', 1);
    expect(new Set([race?.initial.name, race?.a.name, race?.b.name]).size).toBe(3);
    expect(new Set([race?.initial.id, race?.a.id, race?.b.id])).toEqual(new Set(['run-p0']));
  });

  it('runs the steps in the forced order, whichever writer asks first', async () => {
    const turn = raceTurns();
    const done: RaceStep[] = [];
    const step = (name: RaceStep) => turn(name, async () => void done.push(name));
    // B's steps are asked for first, and A's view write before B's.
    await Promise.all([
      (async () => {
        await step('B reads');
        await step('B writes the source');
        await step('B writes the view');
      })(),
      (async () => {
        await step('A reads');
        await step('A writes the source');
        await step('A writes the view');
      })(),
    ]);
    expect(done).toEqual([...RACE]);
  });

  const dualWrite = { divergentKeys: 13, predictedDivergentKeys: 13, projectors: [{ name: 'search-index', divergentKeys: 9, predictedDivergentKeys: 9, sampleKeys: [] }] };
  const cdc = { divergentKeys: 0, projectors: [converged], convergedMs: 100, timedOut: false };
  it.each([
    { case: 'holds when the dual write diverges as predicted and the stream converges', o: { dualWrite, cdc }, failures: [] },
    {
      case: 'fails if the dual write diverges otherwise than predicted',
      o: { dualWrite: { ...dualWrite, projectors: [{ ...dualWrite.projectors[0]!, divergentKeys: 8 }] }, cdc },
      failures: [/dual-written search-index: 8 divergent key\(s\), but the race predicts 9/],
    },
    { case: 'fails if the race did not show', o: { dualWrite: { ...dualWrite, divergentKeys: 0, projectors: [] }, cdc }, failures: [/the race did not show/] },
    {
      case: 'fails if the stream did not converge',
      o: { dualWrite, cdc: { ...cdc, divergentKeys: 1, projectors: [{ ...converged, divergentKeys: 1 }], timedOut: true } },
      failures: [/search-index through the stream: 1 key\(s\) differ/, /had not converged/],
    },
  ])('$case', ({ o, failures }) => {
    const verdict = dualWriteVerdict(o);
    expect(verdict.failures).toHaveLength(failures.length);
    failures.forEach((pattern, index) => expect(verdict.failures[index]).toMatch(pattern));
  });
});

describe('outage', () => {
  it('makes a poison change for the search index only, valid for the category summary', () => {
    const poison = poisonProduct('ab12cd34');
    expect(parseProduct(poison)).toEqual(poison);
    expect(() => searchIndex.contribute(poison)).toThrow(/^image\.name: 43 distinct terms, but a product indexes at most 40$/);
    expect(categorySummary.contribute(poison)).toEqual({ category: 'ab12cd34-garden', priceCents: 999 });
    expect(FAILING_PROJECTOR).toBe('search-index');
  });

  it('writes the poison change in the middle of a burst of updates', () => {
    const burst = poisonBurst('run', 10);
    expect(burst.map((w) => (w.kind === 'put' ? w.product.id : w.id))).toEqual(['run-p0', 'run-p1', 'run-p2', 'run-p3', 'run-poison', 'run-p4', 'run-p5', 'run-p6', 'run-p7']);
  });

  const failing: OutageProjector = { ...converged, changesWritten: 24, changesApplied: 23, maxBehind: 15 };
  const control: OutageProjector = { ...converged, name: 'category-summary', changesWritten: 24, changesApplied: 24, maxBehind: 2 };
  const base = { refusals: 3, retriesObserved: 3, failureRecords: 1, poison: { itemId: 'run-poison', isolated: true, keysMissing: 43 }, projectors: [failing, control], timedOut: false, failingProjector: 'search-index' };
  it.each([
    { case: 'holds with the refusals retried, one poison record, and both views caught up', o: base, failures: [] },
    { case: 'fails if no retry was observed', o: { ...base, retriesObserved: 0 }, failures: [/refused 0 invocation\(s\), but 3/, /no retry was observed/] },
    { case: 'fails unless exactly one record reached the failure queue', o: { ...base, failureRecords: 2 }, failures: [/2 record\(s\) reached the failure queue, but exactly 1/] },
    { case: 'fails if the poison was not bisected out alone', o: { ...base, poison: { ...base.poison, isolated: false } }, failures: [/not bisected down to it/] },
    {
      case: 'fails if the failing projector applied the poison or the control lost a change',
      o: { ...base, projectors: [{ ...failing, changesApplied: 24 }, { ...control, changesApplied: 23 }] },
      failures: [/search-index: applied 24 of 23/, /category-summary: applied 23 of 24/],
    },
  ])('$case', ({ o, failures }) => {
    const verdict = outageVerdict(o);
    expect(verdict.failures).toHaveLength(failures.length);
    failures.forEach((pattern, index) => expect(verdict.failures[index]).toMatch(pattern));
  });
});

describe('rebuild', () => {
  it('makes a snapshot item a change that sorts before every change of the stream', () => {
    expect(snapshotChange({ id: 'p-1', name: 'Lamp' })).toEqual({ sequenceNumber: SNAPSHOT_SEQUENCE_NUMBER, itemId: 'p-1', newImage: { id: 'p-1', name: 'Lamp' } });
  });

  const base = { divergentKeys: 0, timedOut: false, snapshotProducts: 10, streamChanges: 10, writesDuringRebuild: 10 };
  it.each([
    { case: 'holds when the rebuilt view equals the source', o: base, failures: [] },
    { case: 'fails on divergent keys', o: { ...base, divergentKeys: 2 }, failures: [/differs from the source in 2 key\(s\)/] },
    { case: 'fails if writes during the rebuild were not read from the stream', o: { ...base, streamChanges: 0 }, failures: [/no change was read from the stream/] },
    { case: 'fails on an empty snapshot and a timeout', o: { ...base, snapshotProducts: 0, timedOut: true }, failures: [/no product/, /had not caught up/] },
  ])('$case', ({ o, failures }) => {
    const verdict = rebuildVerdict(o);
    expect(verdict.failures).toHaveLength(failures.length);
    failures.forEach((pattern, index) => expect(verdict.failures[index]).toMatch(pattern));
  });
});
