import { categorySummary } from '../../../lambda/cdc/category-summary';
import { projectChanges, type Change, type Projector } from '../../../lambda/cdc/core';
import { searchIndex } from '../../../lambda/cdc/search-index';
import type { Product } from '../../../lambda/cdc/schema';
import { applyWrites, divergentKeys, viewOf as recomputed, withoutEmpty, type ViewItems } from '../../../lambda/cdc/view-model';
import { fakeView } from './fake-view';
import { InvalidMessageError } from '../../../lambda/shared/invalid-message';

const lamp: Product = { id: 'p-1', name: 'Desk lamp', category: 'lighting', priceCents: 2500 };
const lampRenamed: Product = { ...lamp, name: 'Reading lamp', category: 'office', priceCents: 3000 };
const chair: Product = { id: 'p-2', name: 'Office chair', category: 'office', priceCents: 12000 };

const put = (sequenceNumber: number, product: Product): Change => ({ sequenceNumber: String(sequenceNumber), itemId: product.id, newImage: product });
const remove = (sequenceNumber: number, itemId: string): Change => ({ sequenceNumber: String(sequenceNumber), itemId, newImage: undefined });
const identity = (change: Change): Change => change;

const PROJECTORS: ReadonlyArray<Projector<unknown>> = [searchIndex, categorySummary];

describe.each(PROJECTORS.map((projector) => [projector.name, projector] as const))('%s projector', (_name, projector) => {
  it.each([
    { case: 'inserts', changes: [put(1, lamp), put(2, chair)], source: [lamp, chair] },
    { case: 'an update replaces what the item contributed', changes: [put(1, lamp), put(2, chair), put(3, lampRenamed)], source: [lampRenamed, chair] },
    { case: 'a delete removes what the item contributed', changes: [put(1, lamp), put(2, chair), remove(3, 'p-1')], source: [chair] },
    { case: 'a delete then a re-insert', changes: [put(1, lamp), remove(2, 'p-1'), put(3, lampRenamed)], source: [lampRenamed] },
    { case: 'a delete of an item never seen', changes: [remove(1, 'p-9'), put(2, chair)], source: [chair] },
  ])('$case: the view equals the one recomputed from the source', async ({ changes, source }) => {
    // GIVEN
    const view = fakeView<unknown>();

    // WHEN
    const outcomes = await projectChanges(changes, identity, projector, view.port);

    // THEN
    expect(outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(withoutEmpty(view.items)).toEqual(recomputed(projector, source));
  });

  it('changes nothing when a batch is delivered again', async () => {
    const view = fakeView<unknown>();
    const batch = [put(1, lamp), put(2, chair), put(3, lampRenamed)];
    await projectChanges(batch, identity, projector, view.port);
    const before = structuredClone(view.items);

    const outcomes = await projectChanges(batch, identity, projector, view.port);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['superseded', 'redelivered', 'redelivered']);
    expect(view.items).toEqual(before);
    expect(view.contributions.get('p-1')?.changes).toBe(2);
  });

  it('never lets an older image overwrite a newer one', async () => {
    const view = fakeView<unknown>();
    await projectChanges([put(5, lampRenamed)], identity, projector, view.port);

    const outcomes = await projectChanges([put(4, lamp), remove(3, 'p-1')], identity, projector, view.port);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['superseded', 'superseded']);
    expect(withoutEmpty(view.items)).toEqual(recomputed(projector, [lampRenamed]));
  });

  it('fails an invalid image naming the field, and every change after it untouched', async () => {
    const view = fakeView<unknown>();
    const poison: Change = { sequenceNumber: '2', itemId: 'p-3', newImage: { id: 'p-3', name: 'Broken', category: 'office', priceCents: -1 } };

    const outcomes = await projectChanges([put(1, lamp), poison, put(3, chair)], identity, projector, view.port);

    expect(outcomes[0]).toEqual({ status: 'applied' });
    expect(outcomes[1]).toEqual({ status: 'failed', reason: expect.stringMatching(/^image\.priceCents: /) });
    expect(outcomes[2]).toEqual({ status: 'failed', reason: expect.stringMatching(/^skipped: record 2 of this batch/) });
    expect(withoutEmpty(view.items)).toEqual(recomputed(projector, [lamp]));
  });

  it('fails a record it cannot decode, as a failure of that record', async () => {
    const view = fakeView<unknown>();
    const decode = (change: Change): Change => {
      if (change.sequenceNumber === '1') throw new InvalidMessageError([{ path: 'record.dynamodb.Keys.id', message: 'missing' }]);
      return change;
    };

    const outcomes = await projectChanges([put(1, lamp), put(2, chair)], decode, projector, view.port);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'failed']);
    expect(view.items.size).toBe(0);
  });

  it('applies a change after a concurrent writer moved the contribution, by reading it again', async () => {
    // GIVEN a writer that stores chair's insert between the first read and the first commit
    let interfered = false;
    const view = fakeView<unknown>((itemId, contributions) => {
      if (interfered || itemId !== 'p-2') return;
      interfered = true;
      contributions.set('p-2', { sequenceNumber: '1'.padStart(128, '0'), contribution: projector.contribute(chair), changes: 1 });
    });
    applyWrites(view.items, projector.writes('p-2', null, projector.contribute(chair)));

    // WHEN the item is deleted
    const outcomes = await projectChanges([remove(2, 'p-2')], identity, projector, view.port);

    // THEN the delete removed what the concurrent writer contributed
    expect(outcomes).toEqual([{ status: 'applied' }]);
    expect(view.commits()).toBe(2);
    expect(view.contributions.get('p-2')?.changes).toBe(2);
    expect(withoutEmpty(view.items)).toEqual(new Map());
  });
});

describe('search index writes', () => {
  it('touches only the terms that changed', () => {
    const writes = searchIndex.writes('p-1', ['desk', 'lamp', 'lighting'], ['lamp', 'lighting', 'reading']);
    expect(writes).toEqual([
      { type: 'delete', pk: 'term#desk', sk: 'p-1' },
      { type: 'put', pk: 'term#reading', sk: 'p-1', attributes: { term: 'reading', productId: 'p-1' } },
    ]);
  });

  it('fails if a product has more terms than one transaction can index', () => {
    const name = Array.from({ length: 45 }, (_, i) => `word${i}`).join(' ');
    expect(() => searchIndex.contribute({ ...lamp, name })).toThrow(/^image\.name: 46 distinct terms, but a product indexes at most 40$/);
  });
});

describe('category summary writes', () => {
  it.each([
    { case: 'a price change in one category is one write', previous: { category: 'office', priceCents: 100 }, next: { category: 'office', priceCents: 250 }, writes: [{ type: 'add', pk: 'category#office', sk: 'summary', counters: { products: 0, totalPriceCents: 150 } }] },
    { case: 'an unchanged contribution writes nothing', previous: { category: 'office', priceCents: 100 }, next: { category: 'office', priceCents: 100 }, writes: [] },
    {
      case: 'a move between categories is two writes',
      previous: { category: 'office', priceCents: 100 },
      next: { category: 'lighting', priceCents: 100 },
      writes: [
        { type: 'add', pk: 'category#office', sk: 'summary', counters: { products: -1, totalPriceCents: -100 } },
        { type: 'add', pk: 'category#lighting', sk: 'summary', counters: { products: 1, totalPriceCents: 100 } },
      ],
    },
  ])('$case', ({ previous, next, writes }) => {
    expect(categorySummary.writes('p-1', previous, next)).toEqual(writes);
  });
});

describe('divergentKeys', () => {
  it('names the keys missing on either side or holding other attributes, ignoring empty counters', () => {
    const expected: ViewItems = new Map<string, Record<string, string | number>>([
      ['term#lamp|p-1', { term: 'lamp', productId: 'p-1' }],
      ['category#office|summary', { products: 2, totalPriceCents: 300 }],
      ['category#garden|summary', { products: 0, totalPriceCents: 0 }],
    ]);
    const actual: ViewItems = new Map<string, Record<string, string | number>>([
      ['category#office|summary', { totalPriceCents: 300, products: 1 }],
      ['term#desk|p-1', { term: 'desk', productId: 'p-1' }],
    ]);
    expect(divergentKeys(expected, actual)).toEqual(['category#office|summary', 'term#desk|p-1', 'term#lamp|p-1']);
    expect(divergentKeys(expected, new Map([...expected].reverse()))).toEqual([]);
  });
});
