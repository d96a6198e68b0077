import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import { encodeStreamEvent, type StreamEvent } from '../../../lambda/stream/messages';
import { putRecordsBatched } from '../batching';

/** The clickstream every stream lab puts, as the seed's `kinesis_multi_shard.py` does; partition key = userId. */
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

/** What a reader got of this run's records in one shard, against the records PutRecords placed there. */
export interface ShardCount {
  readonly shardId: string;
  readonly records: number;
  readonly expected: number;
}

/** An event as PutRecords placed it. */
export interface PutEvent {
  readonly event: StreamEvent;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export async function putEvents(session: TargetSession<StreamOutput>, streamName: string, events: readonly StreamEvent[]): Promise<{ calls: number; put: PutEvent[] }> {
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
