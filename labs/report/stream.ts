import type { GroupObservations, ParallelObservations, ReplayObservations, ScaleObservations, StreamObservations } from '../scenarios/stream';
import { head, mark, seconds } from './format';
import { renderLineChart } from './line-chart';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderStream(o: StreamObservations, colors: Colors): string {
  const users = renderTable(
    ['user (partition key)', 'MD5 hash key', 'shard by hash range', 'shard PutRecords reported', ''],
    o.users.map((u) => [u.userId, head(u.hashKey), u.predictedShardId, u.shardIds.join(', '), mark(colors, u.shardIds.length === 1 && u.shardIds[0] === u.predictedShardId)]),
  );
  const shards = renderTable(
    ['shard', 'hash key range', 'put', 'read (TRIM_HORIZON)', 'events per user'],
    o.shards.map((s) => [
      s.shardId,
      `${head(s.startingHashKey)} to ${head(s.endingHashKey)}`,
      s.put,
      s.records,
      Object.entries(s.userCounts)
        .map(([user, n]) => `${user}: ${n}`)
        .join(', ') || '-',
    ]),
  );
  const consumers = renderTable(
    ['consumer', 'kind', ...o.shards.map((s) => shortShard(s.shardId)), 'total', 'order violations'],
    o.consumers.map((c) => [
      c.name,
      c.kind,
      ...o.shards.map((s) => {
        const count = c.shards.find((cs) => cs.shardId === s.shardId);
        return count ? `${count.records}/${count.expected}` : '-';
      }),
      `${c.records}/${c.expected}`,
      c.orderViolations,
    ]),
  );
  return [
    `Put ${o.records} records in ${o.putCalls} PutRecords call(s). Same user, same shard:`,
    users,
    shards,
    'Consumers (records of this run processed per shard):',
    consumers,
    'The polling consumer shares the shards among its invocations; each enhanced fan-out consumer reads every shard on its own.',
  ].join('\n');
}

export function renderReplay(o: ReplayObservations): string {
  return [
    `Replayed ${o.shardId} of ${o.streamName} from sequence number ${o.from}:`,
    renderTable(
      ['offset (sequence number)', 'user', 'action', 'event', 'this run'],
      o.replayed.map((r) => [r.sequenceNumber, r.userId ?? r.partitionKey, r.action ?? '-', r.eventId ?? '-', r.thisRun ? '✓' : '']),
    ),
    'The log kept every record: reading again from an offset returns the same records in the same order (time travel).',
  ].join('\n');
}

export function renderGroup(o: GroupObservations): string {
  return [
    `${o.consumers} consumer(s) in one group, ${o.shardCount} shard(s): each shard is leased to exactly one consumer.`,
    renderTable(
      ['consumer', 'state', 'shards', 'records read'],
      o.members.map((m) => [
        m.consumer,
        m.shards.length > 0 ? 'active' : 'idle',
        m.shards.map((s) => s.shardId).join(', ') || '-',
        m.shards.map((s) => `${s.records}/${s.expected}`).join(', ') || '-',
      ]),
    ),
    o.idle.length > 0
      ? `${o.idle.length} consumer(s) idle: a group can use at most as many consumers as there are shards. Add shards to scale further.`
      : 'No consumer is idle.',
  ].join('\n');
}

/** `shardId-000000000002` as a narrow column heading: `shard 2`. */
export function shortShard(shardId: string): string {
  const match = /^shardId-0*(\d+)$/.exec(shardId);
  return match ? `shard ${match[1]}` : shardId;
}

export function renderParallel(o: ParallelObservations): string {
  const polling = o.consumers.find((c) => c.kind === 'polling');
  return [
    `${o.records} records of ${o.users} users, ${o.workMs} ms of work each; the polling consumer runs ${o.factor} batch(es) per shard at once:`,
    renderTable(
      ['consumer', 'batches per shard', 'records', 'key order violations', 'key pairs out of shard order', 'elapsed', 'records/s'],
      o.consumers.map((c) => [c.name, c.factor, `${c.records}/${c.expected}`, c.orderViolations, c.keysOutOfShardOrder, seconds(c.elapsedMs), c.recordsPerSecond]),
    ),
    polling
      ? `Speed-up of ${polling.name} over a factor-1 consumer reading the same records: x${o.speedUp} (measured in this run).`
      : 'No polling consumer in this stack.',
    o.factor > 1
      ? 'Each key stayed in order (0 violations), but a shard\'s keys finished out of shard order: the shard was split over concurrent batches by key.'
      : 'With factor 1 each shard is one batch after the other: keys finish in shard order. Try --factor 4 (locally the lab synthesizes it; on AWS redeploy).',
  ].join('\n');
}

export function renderScale(o: ScaleObservations): string {
  const table = renderTable(
    ['consumers', 'active', 'idle', 'records', 'put/s', 'records/s measured', 'records/s predicted', 'over the run', 'regime', 'takeovers (gap after death)'],
    o.runs.map((r) => [
      r.consumers,
      r.consumers - r.idle.length,
      r.idle.length,
      `${r.processed}/${o.records}${r.duplicates > 0 ? ` (${r.duplicates} twice)` : ''}`,
      r.inputRecordsPerSecond,
      r.recordsPerSecond,
      r.expectedRecordsPerSecond,
      r.overallRecordsPerSecond,
      r.regime,
      r.takeovers.map((t) => `${shortShard(t.shardId)} ${t.from} -> ${t.to} ${seconds(t.gapMs)}`).join(', ') || '-',
    ]),
  );
  // One plot per group size on a shared scale, labelled: plain text, whatever the terminal.
  const chart = renderLineChart(o.runs.map((r) => ({ label: `${r.consumers} consumers, records/s every ${o.seriesIntervalMs} ms`, values: r.series })));
  const stolen = o.runs.flatMap((r) => r.stolen.map((t) => `${r.consumers} consumers: ${t.shardId} taken from ${t.from}, alive but late to renew`));
  return [
    `One consumer group on ${o.shardCount} shards: ${o.records} records put at ${o.rate}/s, ${o.workMs} ms of work each; leases expire after ${seconds(o.leaseMs)}.`,
    table,
    'records/s measured: while every shard still had records (then shards with fewer keys run dry and their owners idle; "over the run" includes that tail). put/s: what the producer achieved, the most any group can keep up with.',
    chart,
    ...stolen,
    o.workMs === 0
      ? 'Input-bound: the consumers keep up with what is put, so adding consumers changes nothing (the seed\'s "same!").'
      : 'Consumer-bound: throughput grows with active consumers until there is one per shard; past that, the extra consumers sit idle.',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

