import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { CdcOutput } from '../../lib/stacks/cdc-stack';
import { MAX_TERMS_PER_PRODUCT, searchIndex, termKey, termsOf } from '../../lambda/cdc/search-index';
import type { Product } from '../../lambda/cdc/schema';
import { DOWNSTREAM_SWITCH_KEY } from '../../lambda/cdc/view-store';
import { readJsonMessage } from '../../lambda/shared/messages';
import type { Ui } from '../report/ui';
import type { TargetSession } from '../targets/target';
import { cdcPlan, finalProducts, observeProjectors, product, projectorViews, readView, runKeys, type ProjectorObservations, type SourceWrite } from './cdc';
import { integerOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { UsageError, verdictOf, type Verdict } from './scenario';

export interface OutageOptions {
  /** Products inserted (and half of them updated) while the search index's downstream refuses. */
  readonly items: number;
  /** Invocations the search index's downstream refuses: at most the mapping's retry attempts. */
  readonly refusals: number;
  /** @default 60 s */
  readonly timeoutMs?: number;
}

/** The projector whose downstream fails and which the poison change defeats; the other one is the control. */
export const FAILING_PROJECTOR = searchIndex.name;

/** Changes written around the poison one, in the same burst, so it arrives inside a batch. */
const AROUND_POISON = 4;

/**
 * A product the category summary takes and the search index cannot (more distinct terms than one
 * transaction indexes, in a name within the schema's 200 characters): poison for one projector only,
 * so the failure queue gets exactly one record.
 */
export function poisonProduct(runId: string): Product {
  const words = Array.from({ length: MAX_TERMS_PER_PRODUCT }, (_, index) => `w${index}`).join(' ');
  return { id: `${runId}-poison`, name: `Poison ${words}`, category: `${runId}-garden`, priceCents: 999 };
}

/** The second burst: updates of the first products, with the poison insert in the middle. */
export function poisonBurst(runId: string, items: number): SourceWrite[] {
  const update = (index: number): SourceWrite => ({ kind: 'put', product: product(runId, index % items, 5 + index) });
  return [
    ...Array.from({ length: AROUND_POISON }, (_, index) => update(index)),
    { kind: 'put', product: poisonProduct(runId) },
    ...Array.from({ length: AROUND_POISON }, (_, index) => update(AROUND_POISON + index)),
  ];
}

/** One sample of how far each projector is behind the source (changes written, not yet applied). */
export interface ProgressSample {
  readonly atMs: number;
  readonly behind: Readonly<Record<string, number>>;
}

export interface OutageProjector extends ProjectorObservations {
  /** Most changes it was behind the source at one sample. */
  readonly maxBehind: number;
}

export interface OutageObservations {
  readonly runId: string;
  readonly changes: number;
  readonly failingProjector: string;
  readonly refusals: number;
  /** Invocations the downstream refused, as its switch counted them: each one a retry of its batch. */
  readonly retriesObserved: number;
  /** On-failure records of this run in the failure queue. */
  readonly failureRecords: number;
  readonly poison: {
    readonly itemId: string;
    /** The on-failure record names one record, and that record is the poison change. */
    readonly isolated: boolean;
    /** Search-index keys the poison product would have made: missing from the view, accounted for. */
    readonly keysMissing: number;
  };
  readonly projectors: readonly OutageProjector[];
  readonly series: readonly ProgressSample[];
  readonly timedOut: boolean;
}

export function outageVerdict(o: Pick<OutageObservations, 'refusals' | 'retriesObserved' | 'failureRecords' | 'poison' | 'projectors' | 'timedOut' | 'failingProjector'>): Verdict {
  const failures: string[] = [];
  if (o.retriesObserved !== o.refusals) failures.push(`the downstream refused ${o.retriesObserved} invocation(s), but ${o.refusals} were asked for`);
  if (o.retriesObserved === 0) failures.push('no retry was observed: the outage did not happen');
  if (o.failureRecords !== 1) failures.push(`${o.failureRecords} record(s) reached the failure queue, but exactly 1 (the poison change) should`);
  if (!o.poison.isolated) failures.push('the on-failure record does not name the poison change alone: the batch was not bisected down to it');
  for (const p of o.projectors) {
    const refused = p.name === o.failingProjector ? 1 : 0;
    if (p.divergentKeys > 0) failures.push(`${p.name}: ${p.divergentKeys} key(s) differ from the source (the poison's keys accounted for)`);
    if (p.changesApplied !== p.changesWritten - refused) failures.push(`${p.name}: applied ${p.changesApplied} of ${p.changesWritten - refused} changes`);
  }
  if (o.timedOut) failures.push('the views had not caught up when the wait ended');
  return verdictOf(failures);
}

const FailureRecordSchema = z.object({
  DDBStreamBatchInfo: z.object({ shardId: z.string(), startSequenceNumber: z.string(), batchSize: z.number(), streamArn: z.string() }),
});

/**
 * `labs cdc outage`: the search index's downstream refuses its next invocations (a switch in its view
 * table that the projector reads on AWS and locally alike) while changes flow; its shard retries the
 * failing batch, the category summary keeps up. After recovery, a burst with a poison change: the
 * search index's mapping bisects it down to that one record and sends it to the failure queue.
 */
export async function runOutage(session: TargetSession<CdcOutput>, options: OutageOptions, ui: Ui): Promise<OutageObservations> {
  const retryAttempts = integerOutput(session, 'ProjectorRetryAttempts');
  if (options.refusals > retryAttempts) {
    throw new UsageError(
      `--refusals (${options.refusals}) exceeds the projectors' ${retryAttempts} retry attempts: a longer outage sends changes to the failure queue; ask for at most ${retryAttempts}, or deploy with -c cdcRetryAttempts=${options.refusals}`,
    );
  }
  const { dynamodb, sqs, dynamodbStreams } = session.clients;
  const sourceTable = session.output('SourceTableName');
  const queueUrl = session.output('FailureQueueUrl');
  const views = projectorViews(session);
  const failing = views.find((v) => v.projector.name === FAILING_PROJECTOR)!;
  const runId = newRunId();
  const poison = poisonProduct(runId);
  const writesPerItem = new Map<string, number>();
  const lastWriteAt = new Map<string, number>();
  const written: SourceWrite[] = [];
  const startedAt = Date.now();
  const write = async (change: SourceWrite): Promise<void> => {
    if (change.kind !== 'put') throw new Error('the outage lab writes puts only');
    written.push(change);
    writesPerItem.set(change.product.id, (writesPerItem.get(change.product.id) ?? 0) + 1);
    lastWriteAt.set(change.product.id, Date.now());
    await dynamodb.send(new PutCommand({ TableName: sourceTable, Item: change.product }));
  };
  const series: ProgressSample[] = [];
  const observe = async (): Promise<ProjectorObservations[]> => {
    const state = await observeProjectors(dynamodb, views, {
      runId,
      startedAt,
      changesWritten: written.length,
      writesPerItem,
      lastWriteAt,
      expected: (name) => finalProducts(written).filter((p) => name !== FAILING_PROJECTOR || p.id !== poison.id),
    });
    const refused = (name: string): number => (name === FAILING_PROJECTOR && writesPerItem.has(poison.id) ? 1 : 0);
    series.push({ atMs: Date.now() - startedAt, behind: Object.fromEntries(state.map((p) => [p.name, p.changesWritten - refused(p.name) - p.changesApplied])) });
    return state;
  };
  const caughtUp = (state: readonly ProjectorObservations[]): boolean =>
    state.every((p) => p.divergentKeys === 0 && p.changesApplied === p.changesWritten - (p.name === FAILING_PROJECTOR && writesPerItem.has(poison.id) ? 1 : 0));
  const timeoutMs = options.timeoutMs ?? 60_000;

  ui.log(`the ${FAILING_PROJECTOR} downstream refuses its next ${options.refusals} invocations (run ${runId})`);
  await dynamodb.send(new PutCommand({ TableName: failing.tableName, Item: { ...DOWNSTREAM_SWITCH_KEY, refusals: options.refusals, refused: 0 } }));
  for (const change of cdcPlan(runId, options.items, Math.floor(options.items / 2), 0)) await write(change);
  ui.log('waiting for the outage to end and both views to catch up');
  const outage = await pollUntil({ timeoutMs, intervalMs: 100, poll: observe, done: caughtUp });
  const { Item: switchItem } = await dynamodb.send(new GetCommand({ TableName: failing.tableName, Key: DOWNSTREAM_SWITCH_KEY, ConsistentRead: true }));

  ui.log(`writing a burst with a poison change for the ${FAILING_PROJECTOR} (${poison.id})`);
  for (const change of poisonBurst(runId, options.items)) await write(change);
  const failureRecords: Array<z.infer<typeof FailureRecordSchema>['DDBStreamBatchInfo']> = [];
  const recovery = await pollUntil({
    timeoutMs,
    intervalMs: 100,
    poll: async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      for (const message of Messages ?? []) {
        const record = readJsonMessage(message.Body, FailureRecordSchema);
        if (record === undefined) continue;
        const keys = await recordKeys(dynamodbStreams, record.DDBStreamBatchInfo);
        // Another run's failure stays in the queue for its own lab; this run's is taken out.
        if (!keys.some((id) => id.startsWith(`${runId}-`))) continue;
        failureRecords.push(record.DDBStreamBatchInfo);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return observe();
    },
    done: (state) => failureRecords.length >= 1 && caughtUp(state),
  });
  const isolated =
    failureRecords.length === 1 && failureRecords[0]!.batchSize === 1 && (await recordKeys(dynamodbStreams, failureRecords[0]!)).join() === poison.id;
  // The search index refuses to index the poison (viewOf would too): the keys it would have made are its terms, none of them in the view.
  const { items } = await readView(dynamodb, failing.tableName, runKeys(runId));
  const poisonTerms = termsOf(`${poison.name} ${poison.category}`).map((term) => `${termKey(term)}|${poison.id}`);
  const keysMissing = poisonTerms.filter((key) => !items.has(key)).length;
  return {
    runId,
    changes: written.length,
    failingProjector: FAILING_PROJECTOR,
    refusals: options.refusals,
    retriesObserved: Number(switchItem?.refused ?? 0),
    failureRecords: failureRecords.length,
    poison: { itemId: poison.id, isolated, keysMissing },
    projectors: recovery.state.map((p) => ({ ...p, maxBehind: Math.max(0, ...series.map((s) => s.behind[p.name] ?? 0)) })),
    series,
    timedOut: outage.timedOut || recovery.timedOut,
  };
}

/** The item ids of the records an on-failure record names, read back from the stream from its first sequence number. */
async function recordKeys(
  client: TargetSession<CdcOutput>['clients']['dynamodbStreams'],
  info: { shardId: string; startSequenceNumber: string; batchSize: number; streamArn: string },
): Promise<string[]> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamArn: info.streamArn, ShardId: info.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: info.startSequenceNumber }),
  );
  const { Records } = await client.send(new GetRecordsCommand({ ShardIterator, Limit: info.batchSize }));
  return (Records ?? []).map((record) => record.dynamodb?.Keys?.id?.S ?? '');
}
