import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { assignLeases } from '../stream-routing';
import { makeEvents, putEvents, type ShardCount, type StreamOptions } from './events';
import { listShardRanges, readShard } from './shard-reader';

// labs stream group: one consumer group sharing the shards

export interface GroupOptions extends StreamOptions {
  readonly consumers: number;
}

export interface GroupShardRead extends ShardCount {
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
        const read = await readShard({ kinesis, streamName, shardId, start: { type: 'TRIM_HORIZON' }, runId, wanted: expected });
        shards.push({ shardId, records: read.records.length, expected, getRecordsCalls: read.getRecordsCalls });
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
