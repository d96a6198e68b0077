import { InvalidMessageError } from '../shared/invalid-message';
import type { Projector, ViewWrite } from './core';

/** Terms one product may index: bounds the writes of one change (a DynamoDB transaction holds at most 100). */
export const MAX_TERMS_PER_PRODUCT = 40;

/** The search index: term -> product ids, one view item per (term, product). */
export const searchIndex: Projector<readonly string[]> = {
  name: 'search-index',
  contribute(product) {
    const terms = termsOf(`${product.name} ${product.category}`);
    if (terms.length > MAX_TERMS_PER_PRODUCT) {
      throw new InvalidMessageError([{ path: 'image.name', message: `${terms.length} distinct terms, but a product indexes at most ${MAX_TERMS_PER_PRODUCT}` }]);
    }
    return terms;
  },
  writes(itemId, previous, next) {
    const before = new Set(previous ?? []);
    const after = new Set(next ?? []);
    const writes: ViewWrite[] = [];
    for (const term of before) if (!after.has(term)) writes.push({ type: 'delete', pk: termKey(term), sk: itemId });
    for (const term of after) if (!before.has(term)) writes.push({ type: 'put', pk: termKey(term), sk: itemId, attributes: { term, productId: itemId } });
    return writes;
  },
};

export function termKey(term: string): string {
  return `term#${term}`;
}

/** Distinct lower-case words, sorted: what a product is found by. */
export function termsOf(text: string): string[] {
  return [...new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word !== ''))].sort();
}
