import { ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { listOutput, textOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { readKeyCheckpoints, type KeyCheckpoint } from './checkpoints';
import { waitForActiveConsumers } from './consumer-status';
import { makeEvents, putEvents, type PutEvent } from './events';
import { listShardRanges } from './shard-reader';

// labs stream reshard --to N: "to scale further, add more shards", the infrastructure way

export interface ReshardOptions {
  /** Open shards wanted after the reshard. */
  readonly to: number;
  /** Records put before the reshard, and as many after it. */
  readonly records: number;
  readonly users: number;
  /** AWS: how long to wait for `cdk deploy` to resize the stream. */
  readonly waitSeconds: number;
}

/** A shard as ListShards gives it, with its lineage. */
export interface ReshardShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly open: boolean;
  /** This run's records PutRecords placed in the shard before and after the reshard. */
  readonly before: number;
  readonly after: number;
}

/** One consumer's count of one (shard, partition key), this run's difference. */
export interface ReshardKeyCount {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
  /** Epoch milliseconds of the key's first and last record processed in the shard (0: none). */
  readonly firstProcessedAt: number;
  readonly lastProcessedAt: number;
}

export interface ReshardConsumer {
  readonly name: string;
  readonly kind: 'polling' | 'enhanced fan-out';
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
  readonly keys: readonly ReshardKeyCount[];
}

/** A child shard a consumer began before it had finished a parent: the lineage broken. */
export interface LineageBreak {
  readonly consumer: string;
  readonly childShardId: string;
  readonly parentShardId: string;
  /** How long before the parent's last record the child's first was processed. */
  readonly earlyMs: number;
}

export interface ReshardObservations {
  readonly runId: string;
  readonly streamName: string;
  /** `npx cdk deploy <stack> -c shardCount=N`: the way the stream is resized, on either target. */
  readonly command: string;
  /** `local update` (the command's change applied to the running stream) or `cdk deploy` (AWS, by the student). */
  readonly appliedBy: 'local update' | 'cdk deploy';
  /** What the update changed, where the target says (local). */
  readonly changes: readonly string[];
  readonly from: number;
  readonly to: number;
  /** Open shards once the reshard is done. */
  readonly openAfter: number;
  readonly reshardMs: number;
  /** Records put before the reshard, and as many after. */
  readonly records: number;
  readonly users: number;
  /** The shards that were open before (the parents) and those opened by the reshard (the children). */
  readonly shards: readonly ReshardShard[];
  readonly consumers: readonly ReshardConsumer[];
  readonly lineageBreaks: readonly LineageBreak[];
  readonly timedOut: boolean;
}

/** Where each of the run's records went: counts per (shard, partition key). */
export function expectedKeyCounts(put: readonly PutEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of put) {
    const key = `${p.shardId}#${p.event.userId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * A consumer broke the lineage where a child's first record of this run was processed before the last
 * record of one of its parents (each child is read only once its parents reached SHARD_END).
 */
export function lineageBreaks(consumer: Pick<ReshardConsumer, 'name' | 'keys'>, shards: readonly ReshardShard[]): LineageBreak[] {
  const breaks: LineageBreak[] = [];
  const processed = (shardId: string) => consumer.keys.filter((k) => k.shardId === shardId && k.records > 0);
  for (const child of shards) {
    const childKeys = processed(child.shardId).filter((k) => k.firstProcessedAt > 0);
    if (childKeys.length === 0) continue;
    const childFirst = Math.min(...childKeys.map((k) => k.firstProcessedAt));
    for (const parentShardId of [child.parentShardId, child.adjacentParentShardId]) {
      if (parentShardId === undefined) continue;
      const parentKeys = processed(parentShardId);
      if (parentKeys.length === 0) continue;
      const parentLast = Math.max(...parentKeys.map((k) => k.lastProcessedAt));
      if (childFirst < parentLast) breaks.push({ consumer: consumer.name, childShardId: child.shardId, parentShardId, earlyMs: parentLast - childFirst });
    }
  }
  return breaks;
}

/**
 * From exact counts: the stream has N open shards; the records before the reshard went to the old
 * shards only and those after to the new ones only; every consumer processed every record once (per
 * shard and key, as put), each key in order, and no child shard before its parents were done.
 */
export function reshardVerdict(o: Pick<ReshardObservations, 'to' | 'openAfter' | 'records' | 'shards' | 'consumers' | 'lineageBreaks' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  if (o.openAfter !== o.to) failures.push(`the stream has ${o.openAfter} open shards, not the ${o.to} asked for`);
  const before = o.shards.reduce((n, s) => n + s.before, 0);
  const after = o.shards.reduce((n, s) => n + s.after, 0);
  if (before !== o.records || after !== o.records) failures.push(`PutRecords placed ${before} + ${after} records, ${o.records} + ${o.records} were put`);
  for (const s of o.shards) {
    if (s.open && s.before > 0) failures.push(`${s.shardId}: ${s.before} record(s) put before the reshard landed in a shard opened by it`);
    if (!s.open && s.after > 0) failures.push(`${s.shardId}: ${s.after} record(s) put after the reshard landed in a closed shard`);
  }
  for (const c of o.consumers) {
    for (const k of c.keys) {
      if (k.records !== k.expected) failures.push(`${c.name} processed ${k.records} of the ${k.expected} records of ${k.partitionKey} in ${k.shardId}`);
    }
    if (c.records !== 2 * o.records && c.keys.every((k) => k.records === k.expected)) failures.push(`${c.name} processed ${c.records} of ${2 * o.records} records`);
    if (c.orderViolations > 0) failures.push(`${c.name} saw ${c.orderViolations} record(s) out of their key's order`);
  }
  for (const b of o.lineageBreaks) {
    failures.push(`${b.consumer} began ${b.childShardId} ${b.earlyMs} ms before it finished its parent ${b.parentShardId}`);
  }
  if (o.timedOut) failures.push('consumers were still behind when the wait ended');
  return verdictOf(failures);
}

/** Every shard of the stream, open and closed, with its lineage. */
export async function listAllShards(kinesis: KinesisClient, streamName: string): Promise<Array<Omit<ReshardShard, 'before' | 'after'>>> {
  const shards: Array<Omit<ReshardShard, 'before' | 'after'>> = [];
  let nextToken: string | undefined;
  do {
    const response = await kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    for (const shard of response.Shards ?? []) {
      shards.push({
        shardId: String(shard.ShardId),
        ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
        ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
        startingHashKey: String(shard.HashKeyRange?.StartingHashKey),
        endingHashKey: String(shard.HashKeyRange?.EndingHashKey),
        open: shard.SequenceNumberRange?.EndingSequenceNumber === undefined,
      });
    }
    nextToken = response.NextToken;
  } while (nextToken);
  return shards;
}

/** The limits of one UpdateShardCount (at most double, at least half), or why `to` is not a reshard. */
export function reshardProblem(from: number, to: number, command: string): string | undefined {
  if (to === from) return `the stream already has ${from} open shards: ask for another count (${Math.ceil(from / 2)} to ${from * 2}, not ${from})`;
  if (to > from * 2 || to < Math.ceil(from / 2)) {
    return `one UpdateShardCount takes ${from} open shards to between ${Math.ceil(from / 2)} and ${from * 2}, not ${to}: resize in steps, each with \`${command.replace(/shardCount=\d+/, 'shardCount=<n>')}\``;
  }
  return undefined;
}

const AWS_POLL_MS = 5_000;

export async function runReshard(session: TargetSession<StreamOutput>, options: ReshardOptions, ui: Ui, timeoutMs = 90_000): Promise<ReshardObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const checkpointTable = textOutput(session, 'CheckpointTableName');
  const pollingName = textOutput(session, 'PollingConsumerName');
  const consumerNames = listOutput(session, 'ConsumerNames');
  const command = `npx cdk deploy ${session.stackName} -c shardCount=${options.to}`;
  const from = (await listShardRanges(kinesis, streamName)).length;
  const problem = reshardProblem(from, options.to, command);
  if (problem !== undefined) throw new Error(problem);
  if (session.redeploy === undefined && session.target === 'local') {
    throw new Error('the running local cloud (labs up) is shared, and this lab resizes its stream: stop it with `npx labs down`, or run the lab in another checkout');
  }
  await waitForActiveConsumers(kinesis, textOutput(session, 'StreamArn'), consumerNames.filter((name) => name !== pollingName));
  const before = await readKeyCheckpoints(session, checkpointTable, consumerNames);

  const runId = newRunId();
  const events = makeEvents(runId, { records: 2 * options.records, users: options.users });
  ui.log(`putting ${options.records} records for ${options.users} users into ${streamName} (${from} shards, run ${runId})`);
  const { put: putBefore } = await putEvents(session, streamName, events.slice(0, options.records));

  const reshardStarted = Date.now();
  let changes: readonly string[] = [];
  if (session.redeploy !== undefined) {
    ui.log(`resharding the infrastructure way, \`${command}\`: locally the same change applied to the running stream`);
    changes = (await session.redeploy({ shardCount: options.to })).changes;
    for (const change of changes) ui.log(`  ${change}`);
  } else {
    // CloudFormation owns the stream: resizing it behind its back would leave the stack drifted.
    ui.log(`resize the stream the infrastructure way, in another terminal: ${command}`);
    ui.log(`(CloudFormation calls UpdateShardCount with uniform scaling); waiting up to ${options.waitSeconds} s for ${options.to} open shards...`);
  }
  const { state: openNow, timedOut: reshardTimedOut } = await pollUntil({
    timeoutMs: session.redeploy !== undefined ? 0 : options.waitSeconds * 1000,
    intervalMs: AWS_POLL_MS,
    poll: async () => (await listShardRanges(kinesis, streamName)).length,
    done: (open) => open === options.to,
  });
  if (reshardTimedOut) throw new Error(`${streamName} has ${openNow} open shards after ${options.waitSeconds} s, not ${options.to}: run \`${command}\`, then this lab again`);
  const reshardMs = Date.now() - reshardStarted;

  ui.log(`putting ${options.records} more records for the same users into the ${options.to} shards`);
  const { put: putAfter } = await putEvents(session, streamName, events.slice(options.records));
  const listed = await listAllShards(kinesis, streamName);
  const count = (put: readonly PutEvent[], shardId: string): number => put.filter((p) => p.shardId === shardId).length;
  const lineage = new Set<string>([...putBefore.map((p) => p.shardId), ...listed.filter((s) => s.open).map((s) => s.shardId)]);
  const shards = listed.filter((s) => lineage.has(s.shardId)).map((s) => ({ ...s, before: count(putBefore, s.shardId), after: count(putAfter, s.shardId) }));

  const expected = expectedKeyCounts([...putBefore, ...putAfter]);
  const progress = ui.progress('consumers', 2 * options.records * consumerNames.length);
  let consumers: ReshardConsumer[] = [];
  const { timedOut } = await pollUntil({
    timeoutMs,
    intervalMs: 500,
    poll: async () => {
      const now = await readKeyCheckpoints(session, checkpointTable, consumerNames);
      consumers = consumerNames.map((name) => consumerDelta(name, name === pollingName, expected, before.get(name) ?? [], now.get(name) ?? []));
      return consumers;
    },
    done: (current) => current.every((c) => c.keys.every((k) => k.records >= k.expected)),
    onState: (current) => progress.update(current.reduce((sum, c) => sum + c.keys.reduce((n, k) => n + Math.min(k.records, k.expected), 0), 0)),
  });
  progress.stop();
  return {
    runId,
    streamName,
    command,
    appliedBy: session.redeploy !== undefined ? 'local update' : 'cdk deploy',
    changes,
    from,
    to: options.to,
    openAfter: listed.filter((s) => s.open).length,
    reshardMs,
    records: options.records,
    users: options.users,
    shards,
    consumers,
    lineageBreaks: consumers.flatMap((c) => lineageBreaks(c, shards)),
    timedOut,
  };
}

function consumerDelta(
  name: string,
  polling: boolean,
  expected: ReadonlyMap<string, number>,
  before: readonly KeyCheckpoint[],
  now: readonly KeyCheckpoint[],
): ReshardConsumer {
  const find = (list: readonly KeyCheckpoint[], shardId: string, partitionKey: string) => list.find((k) => k.shardId === shardId && k.partitionKey === partitionKey);
  const keys = [...expected].map(([shardKey, wanted]) => {
    const [shardId = '', partitionKey = ''] = shardKey.split('#');
    const was = find(before, shardId, partitionKey);
    const is = find(now, shardId, partitionKey);
    const records = (is?.records ?? 0) - (was?.records ?? 0);
    return {
      shardId,
      partitionKey,
      records,
      expected: wanted,
      orderViolations: (is?.orderViolations ?? 0) - (was?.orderViolations ?? 0),
      // A key first seen in this run keeps its first time; one seen before has only its last that is this run's.
      firstProcessedAt: records > 0 && was === undefined ? (is?.firstProcessedAt ?? 0) : 0,
      lastProcessedAt: records > 0 ? (is?.lastProcessedAt ?? 0) : 0,
    };
  });
  return {
    name,
    kind: polling ? 'polling' : 'enhanced fan-out',
    records: keys.reduce((n, k) => n + k.records, 0),
    expected: keys.reduce((n, k) => n + k.expected, 0),
    orderViolations: keys.reduce((n, k) => n + k.orderViolations, 0),
    keys,
  };
}
