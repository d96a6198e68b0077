import { comparableSequenceNumber } from '../shared/codecs';
import { InvalidMessageError } from '../shared/invalid-message';
import { parseProduct, type Product } from './schema';

/**
 * What both projectors do with a batch of a table's stream: apply each change to a derived view
 * idempotently and in per-key order. Each item's contribution to the view is stored next to the view
 * with the sequence number of the change that made it; a change is applied only if it is newer than
 * that, by removing the old contribution and adding the new one in one conditional write. So a
 * redelivered or older change changes nothing, and a delete removes exactly what the item
 * contributed. No SDK and no environment here: the view is a port.
 */

/** One change of the source table, as the stream records it (in the item's order). */
export interface Change {
  readonly sequenceNumber: string;
  readonly itemId: string;
  /** The item after the change; undefined for a delete. */
  readonly newImage: unknown;
}

/** An item's contribution to a view, and the change that made it (null after a delete: a tombstone). */
export interface StoredContribution<C> {
  /** Comparable (zero-padded) sequence number. */
  readonly sequenceNumber: string;
  readonly contribution: C | null;
  /** Changes of the item applied so far: once each, so the lab can tell that none was lost or doubled. */
  readonly changes: number;
}

/** One write to a view table, besides the contribution record. */
export type ViewWrite =
  | { readonly type: 'put'; readonly pk: string; readonly sk: string; readonly attributes: Readonly<Record<string, string | number>> }
  | { readonly type: 'delete'; readonly pk: string; readonly sk: string }
  /** Adds to numeric attributes (negative to subtract). */
  | { readonly type: 'add'; readonly pk: string; readonly sk: string; readonly counters: Readonly<Record<string, number>> };

/** What a view is made of: an item's contribution, and the writes that replace one contribution by another. */
export interface Projector<C> {
  readonly name: string;
  contribute(product: Product): C;
  writes(itemId: string, previous: C | null, next: C | null): ViewWrite[];
}

export interface ViewPort<C> {
  read(itemId: string): Promise<StoredContribution<C> | undefined>;
  /**
   * Stores `next` and applies `writes` atomically, only if the stored contribution is still `expected`
   * (by sequence number; undefined: none stored). Returns false when it is not.
   */
  commit(itemId: string, expected: StoredContribution<C> | undefined, next: StoredContribution<C>, writes: readonly ViewWrite[]): Promise<boolean>;
}

export type ChangeOutcome =
  | { readonly status: 'applied' }
  /** The stored contribution came from this very change: a redelivery. */
  | { readonly status: 'redelivered' }
  /** The stored contribution came from a later change of the item: applying this one would go back in time. */
  | { readonly status: 'superseded' }
  /** Not applied: the stream retries it (and everything after it in the batch). */
  | { readonly status: 'failed'; readonly reason: string };

/** Attempts at one change when another writer moved the item's contribution in between. */
const COMMIT_ATTEMPTS = 3;

/**
 * Applies a batch in order and returns one outcome per record. `decode` turns a stream record into
 * its change (throwing on a malformed one). Stops at the first failure: the stream retries from the
 * lowest failed record, and applying later changes of the same item first would break per-key
 * order, so every record after it is failed untouched.
 */
export async function projectChanges<R, C>(
  records: readonly R[],
  decode: (record: R) => Change,
  projector: Projector<C>,
  view: ViewPort<C>,
): Promise<ChangeOutcome[]> {
  const outcomes: ChangeOutcome[] = [];
  for (const [index, record] of records.entries()) {
    try {
      outcomes.push(await projectChange(decode(record), projector, view));
    } catch (error) {
      outcomes.push({ status: 'failed', reason: errorMessage(error) });
      for (let skipped = index + 1; skipped < records.length; skipped++) {
        outcomes.push({ status: 'failed', reason: `skipped: record ${index + 1} of this batch, before it, failed` });
      }
      break;
    }
  }
  return outcomes;
}

async function projectChange<C>(change: Change, projector: Projector<C>, view: ViewPort<C>): Promise<ChangeOutcome> {
  const sequenceNumber = comparableSequenceNumber(change.sequenceNumber);
  const next = change.newImage === undefined ? null : projector.contribute(parseProduct(change.newImage));
  if (next !== null && !isSameItem(change)) throw new InvalidMessageError([{ path: 'image.id', message: `names another item than its key ${change.itemId}` }]);
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    const stored = await view.read(change.itemId);
    if (stored !== undefined && stored.sequenceNumber === sequenceNumber) return { status: 'redelivered' };
    if (stored !== undefined && stored.sequenceNumber > sequenceNumber) return { status: 'superseded' };
    const writes = projector.writes(change.itemId, stored?.contribution ?? null, next);
    const changes = (stored?.changes ?? 0) + 1;
    if (await view.commit(change.itemId, stored, { sequenceNumber, contribution: next, changes }, writes)) return { status: 'applied' };
  }
  throw new Error(`the ${projector.name} contribution of item ${change.itemId} kept changing during ${COMMIT_ATTEMPTS} attempts`);
}

function isSameItem(change: Change): boolean {
  return (change.newImage as { id?: unknown }).id === change.itemId;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
