import type { Projector, ViewWrite } from './core';
import type { Product } from './schema';

/**
 * A view in plain data, the way the lab compares one with another: view items by `pk|sk`, with their
 * attributes as the table holds them (contribution records left out).
 */
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

/** The view a projector makes of `products` from nothing: what a view kept from the stream must equal. */
export function viewOf<C>(projector: Projector<C>, products: readonly Product[]): ViewItems {
  const items: ViewItems = new Map();
  for (const product of products) applyWrites(items, projector.writes(product.id, null, projector.contribute(product)));
  return items;
}

/** Counters back at zero carry no information: a category without products is no category. */
export function withoutEmpty(items: ViewItems): ViewItems {
  return new Map([...items].filter(([, item]) => !(item.products === 0 && item.totalPriceCents === 0)));
}

/** The keys whose items differ between two views (missing on one side, or other attributes). */
export function divergentKeys(expected: ViewItems, actual: ViewItems): string[] {
  const a = withoutEmpty(expected);
  const b = withoutEmpty(actual);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((key) => JSON.stringify(sorted(a.get(key))) !== JSON.stringify(sorted(b.get(key)))).sort();
}

function sorted(item: Record<string, string | number> | undefined): Array<[string, string | number]> | undefined {
  return item === undefined ? undefined : Object.entries(item).sort(([x], [y]) => x.localeCompare(y));
}
