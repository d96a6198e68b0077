import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import { BatchWriteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CdcOutput } from '../../lib/stacks/cdc-stack';
import { categorySummary } from '../../lambda/cdc/category-summary';
import { projectChanges, type Change, type Projector } from '../../lambda/cdc/core';
import { changeOf, ProductSchema, TableStreamRecordSchema, type Product } from '../../lambda/cdc/schema';
import { divergentKeys, viewOf } from '../../lambda/cdc/view-model';
import { createViewStore, VIEW_PREFIXES } from '../../lambda/cdc/view-store';
import type { Ui } from '../report/ui';
import type { TargetSession } from '../targets/target';
import { product, readView } from './cdc';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

/** How long a DynamoDB stream keeps a change: why a table older than a day cannot be rebuilt from its stream alone. */
export const STREAM_RETENTION_HOURS = 24;

/** The view the lab rebuilds; the projector keeps serving its own copy meanwhile. */
export const REBUILT_PROJECTOR = categorySummary.name;

/** The snapshot's changes sort before every change of the stream: any change read after the snapshot's point supersedes them. */
export const SNAPSHOT_SEQUENCE_NUMBER = '0';

export interface RebuildOptions {
  /** Products in the source before the rebuild starts. */
  readonly items: number;
  /** Updates written to the source while the rebuild runs. */
  readonly writes: number;
  /** @default 60 s */
  readonly timeoutMs?: number;
}

export interface RebuildObservations {
  readonly runId: string;
  readonly view: string;
  readonly items: number;
  readonly writesDuringRebuild: number;
  /** Items of the rebuilt view deleted first. */
  readonly emptiedItems: number;
  readonly snapshotProducts: number;
  /** Changes read from the stream after the snapshot's point and applied over it. */
  readonly streamChanges: number;
  /** Source products the projector refuses (a poison change of another lab): in neither view. */
  readonly refusedProducts: number;
  readonly divergentKeys: number;
  readonly streamRetentionHours: number;
  readonly rebuildMs: number;
  readonly timedOut: boolean;
}

export function rebuildVerdict(o: Pick<RebuildObservations, 'divergentKeys' | 'timedOut' | 'snapshotProducts' | 'streamChanges' | 'writesDuringRebuild'>): Verdict {
  const failures: string[] = [];
  if (o.divergentKeys > 0) failures.push(`the rebuilt view differs from the source in ${o.divergentKeys} key(s)`);
  if (o.snapshotProducts === 0) failures.push('the snapshot found no product to rebuild from');
  if (o.writesDuringRebuild > 0 && o.streamChanges === 0) failures.push('no change was read from the stream after the snapshot: the writes during the rebuild were not followed');
  if (o.timedOut) failures.push('the rebuilt view had not caught up with the source when the wait ended');
  return verdictOf(failures);
}

/** A source item as a change of the snapshot: applied only where the stream has no later change of the item. */
export function snapshotChange(item: Record<string, unknown>): Change {
  return { sequenceNumber: SNAPSHOT_SEQUENCE_NUMBER, itemId: String(item.id), newImage: item };
}

/**
 * A position in a table's stream, one iterator per shard: taken before the snapshot, so every change
 * the snapshot may miss is read after it. A shard that closes hands over to its children, read from
 * their start.
 */
export class StreamFollower {
  private readonly iterators = new Map<string, string | undefined>();
  private readonly finished = new Set<string>();

  private constructor(
    private readonly client: DynamoDBStreamsClient,
    private readonly streamArn: string,
  ) {}

  /** The stream's current end: each open shard's LATEST iterator. */
  static async fromNow(client: DynamoDBStreamsClient, streamArn: string): Promise<StreamFollower> {
    const follower = new StreamFollower(client, streamArn);
    for (const shard of await follower.shards()) {
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      follower.iterators.set(shard.ShardId!, await follower.iterator(shard.ShardId!, 'LATEST'));
    }
    return follower;
  }

  /** The changes written since the last read, in each shard's order. */
  async read(): Promise<Change[]> {
    const changes: Change[] = [];
    for (const [shardId, iterator] of [...this.iterators]) {
      if (iterator === undefined) continue;
      const { Records, NextShardIterator } = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of Records ?? []) changes.push(changeOf(TableStreamRecordSchema.parse(record), 'stream record'));
      this.iterators.set(shardId, NextShardIterator);
      if (NextShardIterator === undefined) {
        this.finished.add(shardId);
        for (const child of (await this.shards()).filter((s) => s.ParentShardId === shardId && !this.iterators.has(s.ShardId!))) {
          this.iterators.set(child.ShardId!, await this.iterator(child.ShardId!, 'TRIM_HORIZON'));
        }
      }
    }
    return changes;
  }

  private async shards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId }));
      shards.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId !== undefined);
    return shards;
  }

  private async iterator(shardId: string, type: 'LATEST' | 'TRIM_HORIZON'): Promise<string | undefined> {
    const { ShardIterator } = await this.client.send(new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: type }));
    return ShardIterator;
  }
}

async function scanAll(client: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  return items;
}

/** Deletes every item of the rebuilt copy, 25 at a time; returns how many. */
async function emptyCopy(client: DynamoDBDocumentClient, tableName: string, keyPrefix: string): Promise<number> {
  const keys = (await scanAll(client, tableName)).filter((item) => String(item.pk).startsWith(keyPrefix)).map(({ pk, sk }) => ({ pk, sk }));
  for (let start = 0; start < keys.length; start += 25) {
    let requests = keys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return keys.length;
}

/** The products a projector takes: what its view is recomputed from (a product it refuses is in no view of it). */
function accepted(projector: Projector<unknown>, items: readonly Record<string, unknown>[]): Product[] {
  return items.flatMap((item) => {
    const parsed = ProductSchema.safeParse(item);
    if (!parsed.success) return [];
    try {
      projector.contribute(parsed.data);
      return [parsed.data];
    } catch {
      return [];
    }
  });
}

/**
 * `labs cdc rebuild`: rebuilds the category summary into a copy beside the one its projector keeps
 * (under `rebuild#`; emptying the live view under a running projector would race with it), as a
 * snapshot plus the stream: take the stream's position, scan the source as the snapshot, then apply
 * every change read from the position on, with the projector's own code and idempotent writes, while
 * the application keeps writing. The stream alone cannot do it: it keeps 24 hours of changes.
 */
export async function runRebuild(session: TargetSession<CdcOutput>, options: RebuildOptions, ui: Ui): Promise<RebuildObservations> {
  const { dynamodb, dynamodbStreams } = session.clients;
  const sourceTable = session.output('SourceTableName');
  const tableName = session.output('CategorySummaryTableName');
  const projector = categorySummary as Projector<unknown>;
  const copy = createViewStore<unknown>(dynamodb, tableName, VIEW_PREFIXES.rebuild);
  const runId = newRunId();

  ui.log(`inserting ${options.items} products into ${sourceTable} (run ${runId})`);
  for (let index = 0; index < options.items; index++) await dynamodb.send(new PutCommand({ TableName: sourceTable, Item: product(runId, index, 0) }));

  const startedAt = Date.now();
  const emptiedItems = await emptyCopy(dynamodb, tableName, VIEW_PREFIXES.rebuild);
  ui.log(`emptied the rebuilt ${REBUILT_PROJECTOR} (${emptiedItems} items); the stream keeps ${STREAM_RETENTION_HOURS} h of changes, so the rebuild starts from a snapshot`);
  const follower = await StreamFollower.fromNow(dynamodbStreams, session.output('SourceStreamArn'));

  // The application keeps writing while the snapshot is taken and the stream is followed.
  const writer = (async () => {
    for (let index = 0; index < options.writes; index++) {
      await dynamodb.send(new PutCommand({ TableName: sourceTable, Item: product(runId, index % options.items, 1 + index) }));
    }
  })();

  const snapshot = await scanAll(dynamodb, sourceTable);
  let snapshotProducts = 0;
  for (const item of snapshot) {
    const [outcome] = await projectChanges([item], snapshotChange, projector, copy);
    if (outcome?.status === 'applied') snapshotProducts++;
  }
  ui.log(`applied a snapshot of ${snapshotProducts} products; following the stream from the point before it`);

  let streamChanges = 0;
  const follow = async (): Promise<void> => {
    const changes = await follower.read();
    streamChanges += changes.length;
    // One at a time: a change the projector refuses (it is in neither view) must not hold back the next.
    for (const change of changes) {
      const [outcome] = await projectChanges([change], (c) => c, projector, copy);
      if (outcome?.status === 'failed' && !/^image\./.test(outcome.reason)) throw new Error(`the rebuild could not apply a change: ${outcome.reason}`);
    }
  };
  await writer;
  let refusedProducts = 0;
  const result = await pollUntil({
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 100,
    poll: async () => {
      await follow();
      const source = await scanAll(dynamodb, sourceTable);
      const products = accepted(projector, source);
      refusedProducts = source.length - products.length;
      const { items } = await readView(dynamodb, tableName, () => true, VIEW_PREFIXES.rebuild);
      return divergentKeys(viewOf(projector, products), items).length;
    },
    done: (divergent) => divergent === 0,
  });
  return {
    runId,
    view: REBUILT_PROJECTOR,
    items: options.items,
    writesDuringRebuild: options.writes,
    emptiedItems,
    snapshotProducts,
    streamChanges,
    refusedProducts,
    divergentKeys: result.state,
    streamRetentionHours: STREAM_RETENTION_HOURS,
    rebuildMs: Date.now() - startedAt,
    timedOut: result.timedOut,
  };
}
