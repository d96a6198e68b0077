import { GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { compareSequenceNumbers, type ShardRange } from '../stream-routing';
import { makeEvents, putEvents, type PutEvent, type StreamOptions } from './events';
import { listShardRanges, readShard, type ReadRecord } from './shard-reader';

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
    const { records } = await readShard({
      kinesis,
      streamName,
      shardId,
      start: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: options.from },
      wanted: REPLAY_LIMIT,
    });
    return { streamName, shardId, from: options.from, put: 0, records: records.length, replayed: records.map((r) => replayed(r, undefined)) };
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
  const { records } = await readShard({
    kinesis,
    streamName,
    shardId,
    start: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: middle.sequenceNumber },
    runId,
    wanted: expected.length,
  });
  return {
    streamName,
    shardId,
    from: middle.sequenceNumber,
    put: put.length,
    expectedEventIds: expected.map((p) => p.event.eventId),
    records: records.length,
    replayed: records.map((r) => replayed(r, runId)),
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
