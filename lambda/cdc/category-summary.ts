import type { Projector, ViewWrite } from './core';

export interface CategoryContribution {
  readonly category: string;
  readonly priceCents: number;
}

/** The category summary: per category, how many products and their total price. */
export const categorySummary: Projector<CategoryContribution> = {
  name: 'category-summary',
  contribute: ({ category, priceCents }) => ({ category, priceCents }),
  writes(_itemId, previous, next) {
    const adjustments = new Map<string, { products: number; totalPriceCents: number }>();
    const adjust = (contribution: CategoryContribution | null, sign: 1 | -1): void => {
      if (contribution === null) return;
      const current = adjustments.get(contribution.category) ?? { products: 0, totalPriceCents: 0 };
      adjustments.set(contribution.category, {
        products: current.products + sign,
        totalPriceCents: current.totalPriceCents + sign * contribution.priceCents,
      });
    };
    adjust(previous, -1);
    adjust(next, 1);
    const writes: ViewWrite[] = [];
    for (const [category, counters] of adjustments) {
      if (counters.products === 0 && counters.totalPriceCents === 0) continue;
      writes.push({ type: 'add', pk: categoryKey(category), sk: 'summary', counters });
    }
    return writes;
  },
};

export function categoryKey(category: string): string {
  return `category#${category}`;
}
