import { categorySummary } from './category-summary';
import type { Projector } from './core';
import { searchIndex } from './search-index';

/** The projectors the stack deploys, by the PROJECTOR each function is given. */
export const PROJECTORS = {
  'search-index': searchIndex,
  'category-summary': categorySummary,
} as const;

export type ProjectorName = keyof typeof PROJECTORS;

export function projectorNamed(name: string): Projector<unknown> {
  const found = (PROJECTORS as Record<string, Projector<unknown> | undefined>)[name];
  if (found === undefined) throw new Error(`PROJECTOR is '${name}', but the projectors are ${Object.keys(PROJECTORS).join(', ')}`);
  return found;
}
