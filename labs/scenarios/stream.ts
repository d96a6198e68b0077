import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamOutput } from '../../lib/stacks/stream-stack';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { encodeStreamEvent, readStreamEvent, type StreamEvent } from '../../lambda/stream/messages';
import { putRecordsBatched } from './batching';
import { listOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';
import { assignLeases, compareSequenceNumbers, hashKeyOf, shardForHashKey, type ShardRange } from './stream-routing';

export interface StreamOptions {
  readonly records: number;
  readonly users: number;
}

const SEED_USERS = ['alice', 'bob', 'charlie', 'diana', 'eve', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const ACTIONS = ['login', 'view_page', 'click', 'logout'];

export function userNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => SEED_USERS[i] ?? `user${i}`);
}

export function makeEvents(runId: string, options: StreamOptions, now = new Date()): StreamEvent[] {
  const users = userNames(options.users);
  return Array.from({ length: options.records }, (_, i) => ({
    runId,
    eventId: i,
    userId: users[i % users.length] as string,
    action: ACTIONS[i % ACTIONS.length] as string,
    timestamp: now.toISOString(),
  }));
}

interface PutEvent {
  readonly event: StreamEvent;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

interface ReadRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Present when the data is one of this lab's events. */
  readonly event?: StreamEvent;
}

// ---------------------------------------------------------------------------------------------
// labs stream: routing, per-shard reads, every consumer's count and order

export interface ShardObservation {
  readonly shardId: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  /** Records of this run PutRecords placed in the shard. */
  readonly put: number;
  /** Records of this run read back from TRIM_HORIZON. */
  readonly records: number;
  readonly partitionKeys: readonly string[];
  readonly userCounts: Readonly<Record<string, number>>;
  /** Whether each user's events came back in the order they were put. */
  readonly inOrder: boolean;
}

export interface UserRouting {
  readonly userId: string;
  /** MD5 of the partition key as a decimal 128-bit integer. */
  readonly hashKey: string;
  readonly predictedShardId: string;
  /** Shards PutRecords reported for the user's records (one, if routing is by key). */
  readonly shardIds: readonly string[];
}

export interface ConsumerShardCount {
  readonly shardId: string;
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
}

export interface ConsumerObservation {
  readonly name: string;
  readonly kind: 'polling' | 'enhanced fan-out';
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
  readonly shards: readonly ConsumerShardCount[];
}

export interface StreamObservations {
  readonly runId: string;
  readonly streamName: string;
  readonly records: number;
  readonly putCalls: number;
  readonly users: readonly UserRouting[];
  readonly shards: readonly ShardObservation[];
  readonly consumers: readonly ConsumerObservation[];
  readonly timedOut: boolean;
}

export function streamVerdict(o: Pick<StreamObservations, 'records' | 'users' | 'shards' | 'consumers' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  for (const user of o.users) {
    if (user.shardIds.length !== 1) {
      failures.push(`user ${user.userId} landed in ${user.shardIds.length} shards (${user.shardIds.join(', ')}): one partition key must map to one shard`);
    } else if (user.shardIds[0] !== user.predictedShardId) {
      failures.push(`user ${user.userId} went to ${user.shardIds[0]}, but its MD5 hash key falls in ${user.predictedShardId}`);
    }
  }
  for (const shard of o.shards) {
    if (shard.records !== shard.put) failures.push(`${shard.shardId}: read back ${shard.records} of the ${shard.put} records put there`);
    if (!shard.inOrder) failures.push(`${shard.shardId}: a user's events came back out of order`);
  }
  const readBack = o.shards.reduce((sum, s) => sum + s.records, 0);
  if (readBack !== o.records && failures.length === 0) failures.push(`read back ${readBack} of ${o.records} records`);
  for (const consumer of o.consumers) {
    for (const shard of consumer.shards) {
      if (shard.records !== shard.expected) {
        failures.push(`consumer ${consumer.name} processed ${shard.records} of the ${shard.expected} records of ${shard.shardId}`);
      }
    }
    if (consumer.orderViolations > 0) {
      failures.push(`consumer ${consumer.name} saw ${consumer.orderViolations} out-of-order record(s)`);
    }
  }
  if (o.timedOut) failures.push('consumers were still behind when the wait ended');
  return verdictOf(failures);
}

export async function runStream(session: TargetSession<StreamOutput>, options: StreamOptions, ui: Ui, timeoutMs = 90_000): Promise<StreamObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const checkpointTable = textOutput(session, 'CheckpointTableName');
  const pollingName = textOutput(session, 'PollingConsumerName');
  const consumerNames = listOutput(session, 'ConsumerNames');
  const ranges = await listShardRanges(kinesis, streamName);
  // Consumers accumulate across runs on AWS: what this run did is the difference.
  const before = await readCheckpoints(session, checkpointTable, consumerNames);
  ui.debug(`consumers before this run: ${[...before].map(([name, shards]) => `${name} ${[...shards.values()].reduce((n, s) => n + s.records, 0)}`).join(', ')}`);

  const runId = newRunId();
  ui.log(`putting ${options.records} records for ${options.users} users into ${streamName} (${ranges.length} shards, run ${runId})`);
  const { calls, put } = await putEvents(session, streamName, makeEvents(runId, options));

  const users = userRouting(put, ranges);
  const shards: ShardObservation[] = [];
  for (const range of ranges) {
    const expected = put.filter((p) => p.shardId === range.shardId);
    const read = await readShard(kinesis, streamName, range.shardId, { type: 'TRIM_HORIZON' }, runId, expected.length);
    shards.push(shardObservation(range, expected, read.filter((r) => r.event)));
  }

  const expectedPerShard = new Map(ranges.map((r) => [r.shardId, shards.find((s) => s.shardId === r.shardId)?.put ?? 0]));
  const progress = ui.progress('consumers', options.records * consumerNames.length);
  let consumers: ConsumerObservation[] = [];
  const { timedOut } = await pollUntil({
    timeoutMs,
    intervalMs: 500,
    poll: async () => {
      const now = await readCheckpoints(session, checkpointTable, consumerNames);
      consumers = consumerNames.map((name) => consumerDelta(name, name === pollingName, expectedPerShard, before, now));
      return consumers;
    },
    done: (current) => current.every((c) => c.shards.every((s) => s.records >= s.expected)),
    onState: (current) => progress.update(current.reduce((sum, c) => sum + c.shards.reduce((n, s) => n + Math.min(s.records, s.expected), 0), 0)),
  });
  progress.stop();
  return { runId, streamName, records: options.records, putCalls: calls, users, shards, consumers, timedOut };
}

function userRouting(put: readonly PutEvent[], ranges: readonly ShardRange[]): UserRouting[] {
  const byUser = new Map<string, Set<string>>();
  for (const p of put) {
    const set = byUser.get(p.event.userId) ?? new Set<string>();
    set.add(p.shardId);
    byUser.set(p.event.userId, set);
  }
  return [...byUser].map(([userId, shardIds]) => {
    const hashKey = hashKeyOf(userId);
    return {
      userId,
      hashKey: hashKey.toString(),
      predictedShardId: shardForHashKey(hashKey, ranges) ?? 'none',
      shardIds: [...shardIds].sort(),
    };
  });
}

function shardObservation(range: ShardRange, expected: readonly PutEvent[], read: readonly ReadRecord[]): ShardObservation {
  const userCounts: Record<string, number> = {};
  const lastEventId = new Map<string, number>();
  let inOrder = true;
  for (const record of read) {
    const event = record.event as StreamEvent;
    userCounts[event.userId] = (userCounts[event.userId] ?? 0) + 1;
    if ((lastEventId.get(event.userId) ?? -1) > event.eventId) inOrder = false;
    lastEventId.set(event.userId, event.eventId);
  }
  return {
    shardId: range.shardId,
    startingHashKey: range.startingHashKey,
    endingHashKey: range.endingHashKey,
    put: expected.length,
    records: read.length,
    partitionKeys: Object.keys(userCounts).sort(),
    userCounts,
    inOrder,
  };
}

type Checkpoints = Map<string, Map<string, { records: number; orderViolations: number }>>;

async function readCheckpoints(session: TargetSession<StreamOutput>, tableName: string, consumers: readonly string[]): Promise<Checkpoints> {
  const result: Checkpoints = new Map();
  for (const consumer of consumers) {
    const shards = new Map<string, { records: number; orderViolations: number }>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await session.clients.dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#consumer = :consumer',
          ExpressionAttributeNames: { '#consumer': 'consumer' },
          ExpressionAttributeValues: { ':consumer': consumer },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of response.Items ?? []) {
        shards.set(String(item.shardId), { records: Number(item.records ?? 0), orderViolations: Number(item.orderViolations ?? 0) });
      }
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    result.set(consumer, shards);
  }
  return result;
}

function consumerDelta(
  name: string,
  polling: boolean,
  expectedPerShard: ReadonlyMap<string, number>,
  before: Checkpoints,
  now: Checkpoints,
): ConsumerObservation {
  const shards = [...expectedPerShard].map(([shardId, expected]) => {
    const was = before.get(name)?.get(shardId);
    const is = now.get(name)?.get(shardId);
    return {
      shardId,
      records: (is?.records ?? 0) - (was?.records ?? 0),
      expected,
      orderViolations: (is?.orderViolations ?? 0) - (was?.orderViolations ?? 0),
    };
  });
  return {
    name,
    kind: polling ? 'polling' : 'enhanced fan-out',
    records: shards.reduce((sum, s) => sum + s.records, 0),
    expected: shards.reduce((sum, s) => sum + s.expected, 0),
    orderViolations: shards.reduce((sum, s) => sum + s.orderViolations, 0),
    shards,
  };
}

// ---------------------------------------------------------------------------------------------
// labs stream replay: re-read a shard from a sequence number (AT_SEQUENCE_NUMBER)

export interface ReplayOptions extends StreamOptions {
  readonly from?: string;
  readonly shard?: string;
}

export interface ReplayedRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly userId?: string;
  readonly action?: string;
  readonly eventId?: number;
  /** Whether the record is one this run put. */
  readonly thisRun: boolean;
}

export interface ReplayObservations {
  readonly streamName: string;
  readonly shardId: string;
  readonly from: string;
  /** Records this run put before replaying (0 when --from named an existing record). */
  readonly put: number;
  /** Event ids of this run the replay must return, in order (absent when --from was given). */
  readonly expectedEventIds?: readonly number[];
  readonly records: number;
  readonly replayed: readonly ReplayedRecord[];
}

/** At most this many records are replayed from a sequence number someone typed in. */
const REPLAY_LIMIT = 100;

export function replayVerdict(o: Pick<ReplayObservations, 'from' | 'replayed' | 'expectedEventIds'>): Verdict {
  const failures: string[] = [];
  const first = o.replayed[0];
  if (!first) {
    failures.push(`nothing was replayed from sequence number ${o.from}`);
  } else if (first.sequenceNumber !== o.from) {
    failures.push(`the replay started at ${first.sequenceNumber}, not at the requested ${o.from}`);
  }
  for (let i = 1; i < o.replayed.length; i++) {
    if (compareSequenceNumbers((o.replayed[i - 1] as ReplayedRecord).sequenceNumber, (o.replayed[i] as ReplayedRecord).sequenceNumber) >= 0) {
      failures.push(`replayed records are not in sequence order at position ${i}`);
      break;
    }
  }
  if (o.expectedEventIds) {
    const got = o.replayed.filter((r) => r.thisRun).map((r) => r.eventId);
    if (got.join(',') !== o.expectedEventIds.join(',')) {
      failures.push(`replayed events [${got.join(', ')}], expected [${o.expectedEventIds.join(', ')}] (the shard's log from that record on)`);
    }
  }
  return verdictOf(failures);
}

export async function runReplay(session: TargetSession<StreamOutput>, options: ReplayOptions, ui: Ui): Promise<ReplayObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const ranges = await listShardRanges(kinesis, streamName);
  if (options.shard !== undefined && !ranges.some((r) => r.shardId === options.shard)) {
    throw new Error(`stream ${streamName} has no open shard ${options.shard}: its shards are ${ranges.map((r) => r.shardId).join(', ')}`);
  }

  if (options.from !== undefined) {
    const shardId = options.shard ?? (await shardHolding(kinesis, streamName, ranges, options.from, session.target));
    ui.log(`replaying ${shardId} of ${streamName} from ${options.from}`);
    const read = await readShard(kinesis, streamName, shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: options.from }, undefined, REPLAY_LIMIT);
    return { streamName, shardId, from: options.from, put: 0, records: read.length, replayed: read.map((r) => replayed(r, undefined)) };
  }

  // The local stream is new on every run: put this run's records, then replay from the middle.
  const runId = newRunId();
  ui.log(`putting ${options.records} records for ${options.users} users into ${streamName} (run ${runId})`);
  const { put } = await putEvents(session, streamName, makeEvents(runId, options));
  const shardId = options.shard ?? busiestShard(put);
  const inShard = put.filter((p) => p.shardId === shardId).sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
  const middle = inShard[Math.floor(inShard.length / 2)];
  if (!middle) {
    throw new Error(`no record of this run landed in ${shardId}; pick another --shard (this run used ${[...new Set(put.map((p) => p.shardId))].join(', ')})`);
  }
  const expected = inShard.slice(Math.floor(inShard.length / 2));
  ui.log(`replaying ${shardId} from the record in the middle of this run's records there: ${middle.sequenceNumber}`);
  const read = await readShard(
    kinesis,
    streamName,
    shardId,
    { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: middle.sequenceNumber },
    runId,
    expected.length,
  );
  return {
    streamName,
    shardId,
    from: middle.sequenceNumber,
    put: put.length,
    expectedEventIds: expected.map((p) => p.event.eventId),
    records: read.length,
    replayed: read.map((r) => replayed(r, runId)),
  };
}

function replayed(record: ReadRecord, runId: string | undefined): ReplayedRecord {
  return {
    sequenceNumber: record.sequenceNumber,
    partitionKey: record.partitionKey,
    ...(record.event ? { userId: record.event.userId, action: record.event.action, eventId: record.event.eventId } : {}),
    thisRun: runId !== undefined && record.event?.runId === runId,
  };
}

function busiestShard(put: readonly PutEvent[]): string {
  const counts = new Map<string, number>();
  for (const p of put) counts.set(p.shardId, (counts.get(p.shardId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'none';
}

/** A sequence number names no shard: ask each shard for an iterator at it. */
async function shardHolding(
  kinesis: KinesisClient,
  streamName: string,
  ranges: readonly ShardRange[],
  sequenceNumber: string,
  target: string,
): Promise<string> {
  for (const range of ranges) {
    try {
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: range.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: sequenceNumber,
        }),
      );
      return range.shardId;
    } catch (error) {
      if ((error as Error).name !== 'InvalidArgumentException') throw error;
    }
  }
  const hint = target === 'local' ? ': the local stream is new on every run, so leave out --from to replay records this run puts' : '';
  throw new Error(`sequence number ${sequenceNumber} is in no shard of ${streamName}${hint}`);
}

// ---------------------------------------------------------------------------------------------
// labs stream group: one consumer group sharing the shards

export interface GroupOptions extends StreamOptions {
  readonly consumers: number;
}

export interface GroupShardRead {
  readonly shardId: string;
  readonly records: number;
  readonly expected: number;
  readonly getRecordsCalls: number;
}

export interface GroupMember {
  readonly consumer: string;
  readonly shards: readonly GroupShardRead[];
  readonly records: number;
}

export interface GroupObservations {
  readonly streamName: string;
  readonly consumers: number;
  readonly shardCount: number;
  readonly records: number;
  readonly members: readonly GroupMember[];
  readonly idle: readonly string[];
}

export function groupVerdict(o: Pick<GroupObservations, 'consumers' | 'shardCount' | 'records' | 'members' | 'idle'>): Verdict {
  const failures: string[] = [];
  const owners = new Map<string, string[]>();
  for (const member of o.members) {
    for (const shard of member.shards) owners.set(shard.shardId, [...(owners.get(shard.shardId) ?? []), member.consumer]);
  }
  if (owners.size !== o.shardCount) failures.push(`${owners.size} of ${o.shardCount} shards have an owner`);
  for (const [shardId, who] of owners) {
    if (who.length > 1) failures.push(`${shardId} is owned by ${who.length} consumers (${who.join(', ')}): one owner per shard in a group`);
  }
  const expectedIdle = Math.max(0, o.consumers - o.shardCount);
  if (o.idle.length !== expectedIdle) failures.push(`${o.idle.length} consumer(s) idle, expected ${expectedIdle} (${o.consumers} consumers, ${o.shardCount} shards)`);
  for (const member of o.members) {
    for (const shard of member.shards) {
      if (shard.getRecordsCalls === 0) failures.push(`${member.consumer} never read its shard ${shard.shardId}`);
      else if (shard.records !== shard.expected) {
        failures.push(`${member.consumer} read ${shard.records} of the ${shard.expected} records of ${shard.shardId}`);
      }
    }
  }
  const total = o.members.reduce((sum, m) => sum + m.records, 0);
  if (total !== o.records && failures.length === 0) failures.push(`the group read ${total} of ${o.records} records`);
  return verdictOf(failures);
}

export async function runGroup(session: TargetSession<StreamOutput>, options: GroupOptions, ui: Ui): Promise<GroupObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const ranges = await listShardRanges(kinesis, streamName);
  const runId = newRunId();
  ui.log(`putting ${options.records} records into ${streamName}, then ${options.consumers} consumers in one group share its ${ranges.length} shards (run ${runId})`);
  const { put } = await putEvents(session, streamName, makeEvents(runId, options));

  const consumerIds = Array.from({ length: options.consumers }, (_, i) => `consumer-${i + 1}`);
  const leases = assignLeases(ranges.map((r) => r.shardId), consumerIds);
  // Each consumer reads its own shards; the consumers run side by side, as a group's workers would.
  const members = await Promise.all(
    [...leases].map(async ([consumer, shardIds]) => {
      const shards: GroupShardRead[] = [];
      for (const shardId of shardIds) {
        const expected = put.filter((p) => p.shardId === shardId).length;
        const counter = { calls: 0 };
        const read = await readShard(kinesis, streamName, shardId, { type: 'TRIM_HORIZON' }, runId, expected, counter);
        shards.push({ shardId, records: read.filter((r) => r.event).length, expected, getRecordsCalls: counter.calls });
      }
      return { consumer, shards, records: shards.reduce((sum, s) => sum + s.records, 0) };
    }),
  );
  return {
    streamName,
    consumers: options.consumers,
    shardCount: ranges.length,
    records: put.length,
    members,
    idle: members.filter((m) => m.shards.length === 0).map((m) => m.consumer),
  };
}

// ---------------------------------------------------------------------------------------------
// shared by the three stream scenarios

async function listShardRanges(kinesis: KinesisClient, streamName: string): Promise<ShardRange[]> {
  const ranges: ShardRange[] = [];
  let nextToken: string | undefined;
  do {
    const response = await kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    for (const shard of response.Shards ?? []) {
      // Closed shards (after a reshard) take no new records; routing is over the open ones.
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      ranges.push({
        shardId: String(shard.ShardId),
        startingHashKey: String(shard.HashKeyRange?.StartingHashKey),
        endingHashKey: String(shard.HashKeyRange?.EndingHashKey),
      });
    }
    nextToken = response.NextToken;
  } while (nextToken);
  return ranges;
}

async function putEvents(session: TargetSession<StreamOutput>, streamName: string, events: readonly StreamEvent[]): Promise<{ calls: number; put: PutEvent[] }> {
  const { calls, records } = await putRecordsBatched(
    session.clients.kinesis,
    streamName,
    events.map((event) => ({ data: encodeStreamEvent(event), partitionKey: event.userId })),
  );
  return {
    calls,
    put: events.map((event, i) => ({ event, ...(records[i] as { shardId: string; sequenceNumber: string }) })),
  };
}

type IteratorStart = { type: 'TRIM_HORIZON' } | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string };

/**
 * Reads a shard from `start` until `wanted` records (of run `runId`, or of any run) are in hand or the
 * reader has caught up with the tip. GetRecords allows 5 calls per second per shard: an empty answer
 * waits before asking again; throttling is retried by the SDK.
 */
async function readShard(
  kinesis: KinesisClient,
  streamName: string,
  shardId: string,
  start: IteratorStart,
  runId: string | undefined,
  wanted: number,
  counter: { calls: number } = { calls: 0 },
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: start.type,
      ...(start.type === 'AT_SEQUENCE_NUMBER' ? { StartingSequenceNumber: start.sequenceNumber } : {}),
    }),
  );
  const records: ReadRecord[] = [];
  const matching = (): number => records.filter((r) => runId === undefined || r.event?.runId === runId).length;
  const deadline = Date.now() + timeoutMs;
  let iterator = ShardIterator;
  // At least one GetRecords, even when nothing is wanted: a reader that owns a shard reads it.
  while (iterator && Date.now() < deadline) {
    const response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    counter.calls++;
    for (const record of response.Records ?? []) {
      records.push({
        sequenceNumber: String(record.SequenceNumber),
        partitionKey: String(record.PartitionKey),
        ...eventOf(record.Data),
      });
    }
    if (matching() >= wanted) break;
    const empty = (response.Records ?? []).length === 0;
    if (empty && (response.MillisBehindLatest ?? 0) === 0) break;
    iterator = response.NextShardIterator;
    if (empty) await sleep(200);
  }
  if (runId === undefined) return records.slice(0, wanted);
  return records.filter((r) => r.event?.runId === runId);
}

function eventOf(data: Uint8Array | undefined): { event?: StreamEvent } {
  const event = readStreamEvent(data);
  return event ? { event } : {};
}
