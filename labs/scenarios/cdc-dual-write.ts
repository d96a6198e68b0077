import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CdcOutput } from '../../lib/stacks/cdc-stack';
import type { Projector } from '../../lambda/cdc/core';
import { ProductSchema, type Product } from '../../lambda/cdc/schema';
import { applyWrites, divergentKeys, viewOf, type ViewItems } from '../../lambda/cdc/view-model';
import { VIEW_PREFIXES, writeViewDirectly } from '../../lambda/cdc/view-store';
import type { Ui } from '../report/ui';
import type { TargetSession } from '../targets/target';
import { observeProjectors, product, projectorViews, readView, runKeys, type ProjectorObservations } from './cdc';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface DualWriteOptions {
  /** Products raced by the two writers. */
  readonly items: number;
  /** @default 60 s */
  readonly timeoutMs?: number;
}

/**
 * The forced interleaving of the two writers on one product (DDIA's two clients whose writes reach
 * the database and the index in different orders): both read the product, A's write reaches the
 * source first and B's last, but B's view write lands before A's. The source ends with B's product,
 * the dual-written view with A's delta applied last, over a previous product that is no longer there.
 */
export const RACE = ['A reads', 'B reads', 'A writes the source', 'B writes the source', 'B writes the view', 'A writes the view'] as const;

export type RaceStep = (typeof RACE)[number];

/** The products of a race: as first inserted, then writer A's and writer B's version of each. */
export function raceProducts(runId: string, items: number): Array<{ readonly initial: Product; readonly a: Product; readonly b: Product }> {
  return Array.from({ length: items }, (_, index) => ({ initial: product(runId, index, 0), a: product(runId, index, 1), b: product(runId, index, 2) }));
}

/**
 * The dual-written view the race leaves, in memory: every product inserted with its view, then per
 * product B's view write (previous: the product both read) and A's (the same previous). What the lab
 * predicts the table will hold, key for key.
 */
export function dualWrittenView<C>(projector: Projector<C>, race: ReturnType<typeof raceProducts>): ViewItems {
  const items = viewOf(projector, race.map((r) => r.initial));
  for (const { initial, a, b } of race) {
    applyWrites(items, projector.writes(initial.id, projector.contribute(initial), projector.contribute(b)));
    applyWrites(items, projector.writes(initial.id, projector.contribute(initial), projector.contribute(a)));
  }
  return items;
}

/** The keys of each projector's view in which the dual write leaves the view other than the source: known before the race. */
export function predictedDivergence(projectors: readonly Projector<unknown>[], runId: string, items: number): Record<string, number> {
  const race = raceProducts(runId, items);
  return Object.fromEntries(
    projectors.map((projector) => [projector.name, divergentKeys(viewOf(projector, race.map((r) => r.b)), dualWrittenView(projector, race)).length]),
  );
}

/** Runs `RACE`'s steps in its order, whichever writer reaches its step first: each step waits for the one before it. */
export function raceTurns(): (step: RaceStep, action: () => Promise<unknown>) => Promise<void> {
  const resolvers: Array<() => void> = [];
  const finished = RACE.map((_, index) => new Promise<void>((resolve) => (resolvers[index] = resolve)));
  return async (step, action) => {
    const index = RACE.indexOf(step);
    if (index > 0) await finished[index - 1];
    await action();
    resolvers[index]?.();
  };
}

export interface DualWriteProjector {
  readonly name: string;
  readonly divergentKeys: number;
  readonly predictedDivergentKeys: number;
  /** A few of the divergent keys, to look at in the table (under the `dual-write#` prefix). */
  readonly sampleKeys: readonly string[];
}

export interface DualWriteObservations {
  readonly runId: string;
  readonly items: number;
  readonly race: readonly RaceStep[];
  readonly dualWrite: { readonly divergentKeys: number; readonly predictedDivergentKeys: number; readonly projectors: readonly DualWriteProjector[] };
  readonly cdc: { readonly divergentKeys: number; readonly projectors: readonly ProjectorObservations[]; readonly convergedMs: number; readonly timedOut: boolean };
}

export function dualWriteVerdict(o: Pick<DualWriteObservations, 'dualWrite' | 'cdc'>): Verdict {
  const failures: string[] = [];
  for (const p of o.dualWrite.projectors) {
    if (p.divergentKeys !== p.predictedDivergentKeys) {
      failures.push(`dual-written ${p.name}: ${p.divergentKeys} divergent key(s), but the race predicts ${p.predictedDivergentKeys}`);
    }
  }
  if (o.dualWrite.divergentKeys === 0) failures.push('the dual-written views equal the source: the race did not show');
  for (const p of o.cdc.projectors) {
    if (p.divergentKeys > 0) failures.push(`${p.name} through the stream: ${p.divergentKeys} key(s) differ from the source`);
    if (p.changesApplied !== p.changesWritten) failures.push(`${p.name} through the stream: applied ${p.changesApplied} of ${p.changesWritten} changes`);
  }
  if (o.cdc.timedOut) failures.push('the views kept from the stream had not converged when the wait ended');
  return verdictOf(failures);
}

/**
 * `labs cdc dual-write`: the application writes the source and the view itself, two writers racing on
 * each product in RACE's order, into a copy of each view under `dual-write#` (the projectors' code
 * computes the writes, so only the way they reach the view differs). The same source writes reach the
 * projectors' own views through the stream.
 */
export async function runDualWrite(session: TargetSession<CdcOutput>, options: DualWriteOptions, ui: Ui): Promise<DualWriteObservations> {
  const { dynamodb } = session.clients;
  const sourceTable = session.output('SourceTableName');
  const views = projectorViews(session);
  const runId = newRunId();
  const race = raceProducts(runId, options.items);
  const writesPerItem = new Map<string, number>();
  const lastWriteAt = new Map<string, number>();
  const writeSource = async (next: Product): Promise<void> => {
    writesPerItem.set(next.id, (writesPerItem.get(next.id) ?? 0) + 1);
    lastWriteAt.set(next.id, Date.now());
    await dynamodb.send(new PutCommand({ TableName: sourceTable, Item: next }));
  };
  const writeViews = (previous: Product | null, next: Product): Promise<unknown> =>
    Promise.all(
      views.map(({ projector, tableName }) =>
        writeViewDirectly(dynamodb, tableName, projector.writes(next.id, previous === null ? null : projector.contribute(previous), projector.contribute(next)), VIEW_PREFIXES.dualWrite),
      ),
    );

  const startedAt = Date.now();
  ui.log(`inserting ${options.items} products into ${sourceTable} and the dual-written views (run ${runId})`);
  for (const { initial } of race) {
    await writeSource(initial);
    await writeViews(null, initial);
  }
  ui.log(`racing two writers on each product: ${RACE.join(', ')}`);
  await Promise.all(
    race.map(async ({ initial, a, b }) => {
      const turn = raceTurns();
      const writer = async (name: 'A' | 'B', next: Product): Promise<void> => {
        let previous: Product | null = null;
        await turn(`${name} reads`, async () => {
          const { Item } = await dynamodb.send(new GetCommand({ TableName: sourceTable, Key: { id: initial.id }, ConsistentRead: true }));
          previous = ProductSchema.parse(Item);
        });
        await turn(`${name} writes the source`, () => writeSource(next));
        await turn(`${name} writes the view`, () => writeViews(previous, next));
      };
      await Promise.all([writer('A', a), writer('B', b)]);
    }),
  );

  const source = race.map((r) => r.b);
  const predicted = predictedDivergence(
    views.map((v) => v.projector),
    runId,
    options.items,
  );
  const dualProjectors: DualWriteProjector[] = await Promise.all(
    views.map(async ({ projector, tableName }) => {
      const { items } = await readView(dynamodb, tableName, runKeys(runId), VIEW_PREFIXES.dualWrite);
      const keys = divergentKeys(viewOf(projector, source), items);
      return { name: projector.name, divergentKeys: keys.length, predictedDivergentKeys: predicted[projector.name] ?? 0, sampleKeys: keys.slice(0, 3) };
    }),
  );

  ui.log('waiting until the views kept from the stream follow the source table');
  const result = await pollUntil({
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 250,
    poll: () => observeProjectors(dynamodb, views, { runId, startedAt, changesWritten: 3 * options.items, writesPerItem, lastWriteAt, expected: () => source }),
    done: (state) => state.every((p) => p.divergentKeys === 0 && p.changesApplied === p.changesWritten),
  });
  const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
  return {
    runId,
    items: options.items,
    race: [...RACE],
    dualWrite: {
      divergentKeys: sum(dualProjectors.map((p) => p.divergentKeys)),
      predictedDivergentKeys: sum(dualProjectors.map((p) => p.predictedDivergentKeys)),
      projectors: dualProjectors,
    },
    cdc: { divergentKeys: sum(result.state.map((p) => p.divergentKeys)), projectors: result.state, convergedMs: result.elapsedMs, timedOut: result.timedOut },
  };
}
