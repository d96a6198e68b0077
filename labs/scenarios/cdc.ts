import { DeleteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CdcOutput } from '../../lib/stacks/cdc-stack';
import { categorySummary } from '../../lambda/cdc/category-summary';
import type { Projector } from '../../lambda/cdc/core';
import type { Product } from '../../lambda/cdc/schema';
import { searchIndex } from '../../lambda/cdc/search-index';
import { divergentKeys, viewOf, type ViewItems } from '../../lambda/cdc/view-model';
import { VIEW_PREFIXES } from '../../lambda/cdc/view-store';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface CdcOptions {
  readonly items: number;
  readonly updates: number;
  readonly deletes: number;
  /** @default 60 s */
  readonly timeoutMs?: number;
}

/** One write of the lab to the source table. */
export type SourceWrite = { readonly kind: 'put'; readonly product: Product } | { readonly kind: 'delete'; readonly id: string };

const CATEGORIES = ['lighting', 'office', 'garden', 'kitchen'] as const;
const NAMES = ['Desk lamp', 'Office chair', 'Garden hose', 'Kitchen scale', 'Reading light', 'Standing desk'] as const;

export function product(runId: string, index: number, version: number): Product {
  const at = index + version;
  return {
    id: `${runId}-p${index}`,
    name: `${NAMES[at % NAMES.length]} ${version === 0 ? 'classic' : `mark ${version + 1}`}`,
    // Categories carry the run id, so a run's summary counts only its own products.
    category: `${runId}-${CATEGORIES[at % CATEGORIES.length]}`,
    priceCents: 100 * (index + 1) + 25 * version,
  };
}

/**
 * The lab's known interleaving: each insert is followed by one update (while updates remain) of an
 * item already written, round-robin (update k changes item k mod the items written so far, so an item
 * is changed again right after its insert), then the remaining updates, then the deletes, of the
 * first `deletes` items. Updates move products between categories and
 * rename them, so both views must remove what the older image contributed.
 */
export function cdcPlan(runId: string, items: number, updates: number, deletes: number): SourceWrite[] {
  if (deletes > items) throw new Error(`deletes (${deletes}) cannot exceed items (${items}): only written items can be deleted`);
  const writes: SourceWrite[] = [];
  const versions = new Array<number>(items).fill(0);
  let updated = 0;
  for (let index = 0; index < items; index++) {
    writes.push({ kind: 'put', product: product(runId, index, 0) });
    if (updated < updates) {
      const target = updated % (index + 1);
      versions[target] = (versions[target] ?? 0) + 1;
      writes.push({ kind: 'put', product: product(runId, target, versions[target] ?? 0) });
      updated++;
    }
  }
  for (; updated < updates; updated++) {
    const target = updated % items;
    versions[target] = (versions[target] ?? 0) + 1;
    writes.push({ kind: 'put', product: product(runId, target, versions[target] ?? 0) });
  }
  for (let index = 0; index < deletes; index++) writes.push({ kind: 'delete', id: `${runId}-p${index}` });
  return writes;
}

/** The source table after `writes`: what both views must be recomputed from. */
export function finalProducts(writes: readonly SourceWrite[]): Product[] {
  const products = new Map<string, Product>();
  for (const write of writes) {
    if (write.kind === 'put') products.set(write.product.id, write.product);
    else products.delete(write.id);
  }
  return [...products.values()];
}

export interface ProjectorObservations {
  readonly name: string;
  /** View keys (of this run) that differ from the view recomputed from the source table. */
  readonly divergentKeys: number;
  readonly changesWritten: number;
  /** Changes the projector applied, by its per-item counts: each exactly once when they equal. */
  readonly changesApplied: number;
  /** Items whose applied changes are fewer than written: a change skipped as older than one applied before it. */
  readonly orderViolations: number;
  /** Write (request sent) to view (change applied), for each item's last change, in ms. */
  readonly lagMs: { readonly p50: number; readonly p99: number };
  /** Changes applied per second, from the first source write to the last change applied. */
  readonly appliedPerSecond: number;
}

export interface CdcObservations {
  readonly runId: string;
  readonly items: number;
  readonly updates: number;
  readonly deletes: number;
  readonly changes: number;
  readonly divergentKeys: number;
  readonly orderViolations: number;
  readonly projectors: readonly ProjectorObservations[];
  readonly convergedMs: number;
  readonly timedOut: boolean;
}

export function cdcVerdict(o: Pick<CdcObservations, 'projectors' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  for (const p of o.projectors) {
    if (p.divergentKeys > 0) failures.push(`${p.name}: ${p.divergentKeys} key(s) differ from the view recomputed from the source table`);
    if (p.orderViolations > 0) failures.push(`${p.name}: ${p.orderViolations} item(s) had a change skipped as older than one applied before it`);
    if (p.changesApplied !== p.changesWritten) failures.push(`${p.name}: applied ${p.changesApplied} of ${p.changesWritten} changes`);
  }
  if (o.timedOut) failures.push('the views had not converged when the wait ended');
  return verdictOf(failures);
}

interface Contribution {
  readonly changes: number;
  readonly appliedAt: number;
}

const OTHER_COPIES = Object.values(VIEW_PREFIXES).filter((prefix) => prefix !== '');

/**
 * A view table's items of this run: view items, and each product's contribution record. `keyPrefix`
 * picks the copy of the view (VIEW_PREFIXES; the projector's by default), keys read without it; the
 * failure switch is no view item.
 */
export async function readView(
  client: DynamoDBDocumentClient,
  tableName: string,
  belongs: (pk: string, sk: string) => boolean,
  keyPrefix: string = VIEW_PREFIXES.live,
): Promise<{ items: ViewItems; contributions: Map<string, Contribution> }> {
  const items: ViewItems = new Map();
  const contributions = new Map<string, Contribution>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }));
    for (const { pk: storedPk, sk, ...attributes } of page.Items ?? []) {
      if (typeof storedPk !== 'string' || typeof sk !== 'string' || !storedPk.startsWith(keyPrefix) || storedPk.startsWith('switch#')) continue;
      if (keyPrefix === '' && OTHER_COPIES.some((prefix) => storedPk.startsWith(prefix))) continue;
      const pk = storedPk.slice(keyPrefix.length);
      if (sk === 'contribution') {
        if (belongs(pk, sk)) contributions.set(String(attributes.itemId), { changes: Number(attributes.changes), appliedAt: Number(attributes.appliedAt) });
      } else if (belongs(pk, sk)) {
        items.set(`${pk}|${sk}`, attributes as Record<string, string | number>);
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  return { items, contributions };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** `labs cdc`: writes, updates and deletes on the source; waits until both views follow it. */
export async function runCdc(session: TargetSession<CdcOutput>, options: CdcOptions, ui: Ui): Promise<CdcObservations> {
  const { dynamodb } = session.clients;
  const sourceTable = textOutput(session, 'SourceTableName');
  const views = projectorViews(session);
  const runId = newRunId();
  const plan = cdcPlan(runId, options.items, options.updates, options.deletes);
  const lastWriteAt = new Map<string, number>();
  const writesPerItem = new Map<string, number>();

  ui.log(`writing ${plan.length} changes to ${sourceTable} (run ${runId})`);
  const startedAt = Date.now();
  for (const write of plan) {
    const id = write.kind === 'put' ? write.product.id : write.id;
    lastWriteAt.set(id, Date.now());
    writesPerItem.set(id, (writesPerItem.get(id) ?? 0) + 1);
    if (write.kind === 'put') await dynamodb.send(new PutCommand({ TableName: sourceTable, Item: write.product }));
    else await dynamodb.send(new DeleteCommand({ TableName: sourceTable, Key: { id: write.id } }));
  }

  const expectedProducts = finalProducts(plan);
  const observe = (): Promise<ProjectorObservations[]> =>
    observeProjectors(dynamodb, views, { runId, startedAt, changesWritten: plan.length, writesPerItem, lastWriteAt, expected: () => expectedProducts });

  ui.log('waiting until both views follow the source table');
  const result = await pollUntil({
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 250,
    poll: observe,
    done: (state) => state.every((p) => p.divergentKeys === 0 && p.changesApplied === p.changesWritten),
  });
  const projectors = result.state;
  return {
    runId,
    items: options.items,
    updates: options.updates,
    deletes: options.deletes,
    changes: plan.length,
    divergentKeys: projectors.reduce((total, p) => total + p.divergentKeys, 0),
    orderViolations: projectors.reduce((total, p) => total + p.orderViolations, 0),
    projectors,
    convergedMs: result.elapsedMs,
    timedOut: result.timedOut,
  };
}

export interface ProjectorView {
  readonly projector: Projector<unknown>;
  readonly tableName: string;
}

/** The two views the stack keeps, by the outputs that name their tables. */
export function projectorViews(session: TargetSession<CdcOutput>): ProjectorView[] {
  return [
    { projector: searchIndex as Projector<unknown>, tableName: textOutput(session, 'SearchIndexTableName') },
    { projector: categorySummary as Projector<unknown>, tableName: textOutput(session, 'CategorySummaryTableName') },
  ];
}

/** What a run wrote, for observing how far each projector followed it. */
export interface WrittenChanges {
  readonly runId: string;
  readonly startedAt: number;
  readonly changesWritten: number;
  readonly writesPerItem: ReadonlyMap<string, number>;
  readonly lastWriteAt: ReadonlyMap<string, number>;
  /** The products each view must be recomputed from (per projector: a poison change it refused is not in its view). */
  expected(projector: string): readonly Product[];
}

/** Keys of one run in a view: its products' contributions and terms, its categories. */
export function runKeys(runId: string): (pk: string, sk: string) => boolean {
  return (pk, sk) => pk.startsWith(`item#${runId}-`) || sk.startsWith(`${runId}-`) || pk.startsWith(`category#${runId}-`);
}

/** Each projector's view of a run against the one recomputed from its products, with applied counts and lag. */
export function observeProjectors(client: DynamoDBDocumentClient, views: readonly ProjectorView[], written: WrittenChanges): Promise<ProjectorObservations[]> {
  const { startedAt, writesPerItem, lastWriteAt } = written;
  return Promise.all(
    views.map(async ({ projector, tableName }) => {
      const { items, contributions } = await readView(client, tableName, runKeys(written.runId));
      let applied = 0;
      let behind = 0;
      const lags: number[] = [];
      let lastAppliedAt = startedAt;
      for (const [id, count] of writesPerItem) {
        const contribution = contributions.get(id);
        applied += contribution?.changes ?? 0;
        if (contribution !== undefined) lastAppliedAt = Math.max(lastAppliedAt, contribution.appliedAt);
        if ((contribution?.changes ?? 0) < count) behind++;
        if (contribution !== undefined && contribution.changes === count) lags.push(Math.max(0, contribution.appliedAt - (lastWriteAt.get(id) ?? 0)));
      }
      return {
        name: projector.name,
        divergentKeys: divergentKeys(viewOf(projector, written.expected(projector.name)), items).length,
        changesWritten: written.changesWritten,
        changesApplied: applied,
        orderViolations: behind,
        lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99) },
        appliedPerSecond: Math.round((applied * 1000) / Math.max(1, lastAppliedAt - startedAt)),
      };
    }),
  );
}
