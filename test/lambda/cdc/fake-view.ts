import type { StoredContribution, ViewPort, ViewWrite } from '../../../lambda/cdc/core';

/** View items by `pk|sk`, numbers and strings as the table would hold them. */
export type ViewItems = Map<string, Record<string, string | number>>;

/** Applies view writes to items in memory, as the table would (ADD creates the item and its counters). */
export function applyWrites(items: ViewItems, writes: readonly ViewWrite[]): void {
  for (const write of writes) {
    const key = `${write.pk}|${write.sk}`;
    if (write.type === 'put') items.set(key, { ...write.attributes });
    if (write.type === 'delete') items.delete(key);
    if (write.type === 'add') {
      const item = items.get(key) ?? {};
      for (const [name, delta] of Object.entries(write.counters)) item[name] = Number(item[name] ?? 0) + delta;
      items.set(key, item);
    }
  }
}

/**
 * A view in memory with the store's semantics: a commit applies only if the stored contribution is
 * the expected one. `interfere` runs before a commit, to play a concurrent writer.
 */
export function fakeView<C>(interfere?: (itemId: string, contributions: Map<string, StoredContribution<C>>) => void) {
  const contributions = new Map<string, StoredContribution<C>>();
  const items: ViewItems = new Map();
  let commits = 0;
  const port: ViewPort<C> = {
    async read(itemId) {
      return contributions.get(itemId);
    },
    async commit(itemId, expected, next, writes) {
      commits += 1;
      interfere?.(itemId, contributions);
      if (contributions.get(itemId)?.sequenceNumber !== expected?.sequenceNumber) return false;
      contributions.set(itemId, next);
      applyWrites(items, writes);
      return true;
    },
  };
  return { port, contributions, items, commits: () => commits };
}

/** Counters that went back to zero carry no information: a category with no products is no category. */
export function withoutEmpty(items: ViewItems): ViewItems {
  return new Map([...items].filter(([, item]) => !(item.products === 0 && item.totalPriceCents === 0)));
}
