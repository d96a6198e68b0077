import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import type { StreamEvent } from '../../../lambda/stream/messages';
import { listOutput, textOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { hashKeyOf, shardForHashKey, type ShardRange } from '../stream-routing';
import { readKeyCheckpoints } from './checkpoints';
import { waitForActiveConsumers } from './consumer-status';
import { makeEvents, putEvents, type PutEvent, type ShardCount, type StreamOptions } from './events';
import { listShardRanges, readShard, type ReadRecord } from './shard-reader';

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

export interface ConsumerShardCount extends ShardCount {
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
  // Right after a deploy an enhanced fan-out consumer may still be registering: judge none before it reads.
  await waitForActiveConsumers(
    kinesis,
    textOutput(session, 'StreamArn'),
    consumerNames.filter((name) => name !== pollingName),
  );
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
    const { records } = await readShard({ kinesis, streamName, shardId: range.shardId, start: { type: 'TRIM_HORIZON' }, runId, wanted: expected.length });
    shards.push(shardObservation(range, expected, records));
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

/** Each consumer's counts per shard: the sum over the shard's partition keys. */
async function readCheckpoints(session: TargetSession<StreamOutput>, tableName: string, consumers: readonly string[]): Promise<Checkpoints> {
  const result: Checkpoints = new Map();
  for (const [consumer, keys] of await readKeyCheckpoints(session, tableName, consumers)) {
    const shards = new Map<string, { records: number; orderViolations: number }>();
    for (const key of keys) {
      const shard = shards.get(key.shardId) ?? { records: 0, orderViolations: 0 };
      shards.set(key.shardId, { records: shard.records + key.records, orderViolations: shard.orderViolations + key.orderViolations });
    }
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
