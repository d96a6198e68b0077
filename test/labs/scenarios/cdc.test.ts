import { cdcPlan, cdcVerdict, finalProducts, percentile, type ProjectorObservations } from '../../../labs/scenarios/cdc';

describe('cdcPlan', () => {
  it('writes each insert followed by an update (round-robin over the items written), the remaining updates, then the deletes', () => {
    const plan = cdcPlan('run', 3, 4, 2);
    expect(plan.map((write) => (write.kind === 'put' ? `put ${write.product.id}` : `delete ${write.id}`))).toEqual([
      'put run-p0',
      'put run-p0',
      'put run-p1',
      'put run-p1',
      'put run-p2',
      'put run-p2',
      'put run-p0',
      'delete run-p0',
      'delete run-p1',
    ]);
  });

  it('moves updated products to another category and price, within the run', () => {
    const [insert, update] = cdcPlan('run', 1, 1, 0);
    if (insert?.kind !== 'put' || update?.kind !== 'put') throw new Error('expected two puts');
    expect(update.product.category).not.toBe(insert.product.category);
    expect(update.product.priceCents).not.toBe(insert.product.priceCents);
    expect(update.product.category.startsWith('run-')).toBe(true);
  });

  it('fails if more deletes than items are asked for', () => {
    expect(() => cdcPlan('run', 2, 0, 3)).toThrow(/deletes \(3\) cannot exceed items \(2\)/);
  });

  it('leaves the last image of each item not deleted as the source', () => {
    const products = finalProducts(cdcPlan('run', 3, 4, 2));
    expect(products.map((product) => product.id)).toEqual(['run-p2']);
  });
});

describe('cdcVerdict', () => {
  const converged: ProjectorObservations = { name: 'search-index', divergentKeys: 0, changesWritten: 9, changesApplied: 9, orderViolations: 0, lagMs: { p50: 1, p99: 2 }, appliedPerSecond: 10 };

  it.each([
    { case: 'holds when every view converged', projectors: [converged], timedOut: false, failures: [] },
    { case: 'names divergent keys', projectors: [{ ...converged, divergentKeys: 2 }], timedOut: false, failures: [/search-index: 2 key\(s\) differ/] },
    { case: 'names a change applied twice', projectors: [{ ...converged, changesApplied: 10 }], timedOut: false, failures: [/applied 10 of 9 changes/] },
    {
      case: 'names order violations',
      projectors: [{ ...converged, changesApplied: 8, orderViolations: 1 }],
      timedOut: false,
      failures: [/1 item\(s\) had a change skipped/, /applied 8 of 9/],
    },
    { case: 'fails on a timeout', projectors: [converged], timedOut: true, failures: [/had not converged/] },
  ])('$case', ({ projectors, timedOut, failures }) => {
    const verdict = cdcVerdict({ projectors, timedOut });
    expect(verdict.ok).toBe(failures.length === 0);
    expect(verdict.failures).toHaveLength(failures.length);
    failures.forEach((pattern, index) => expect(verdict.failures[index]).toMatch(pattern));
  });
});

describe('percentile', () => {
  it.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[4, 1, 3, 2], 50, 2],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
  ])('of %j at p%d is %d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });
});
