import type { StoredContribution, ViewPort } from '../../../lambda/cdc/core';
import { applyWrites, type ViewItems } from '../../../lambda/cdc/view-model';

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
