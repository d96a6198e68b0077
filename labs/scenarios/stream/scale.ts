import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import { readStreamEvent } from '../../../lambda/stream/messages';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { textOutput } from '../outputs';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { makeEvents, putEvents } from './events';
import { LeaseTable, type Lease } from './lease-table';
import { listShardRanges } from './shard-reader';

// labs stream scale: one consumer group of 5, 10, 15 consumers on the stack's shards

export interface ScaleOptions {
  /** Group sizes, one run each. */
  readonly consumers: readonly number[];
  /** Work per record in each consumer. */
  readonly workMs: number;
  readonly records: number;
  /** Records put per second during a run: the input. */
  readonly rate: number;
  /** Consumers (the first ones of the group) that die once half the records are put. */
  readonly kill: number;
}

/**
 * How long a lease lives without renewal. The KCL's default failover time is 10 s; 2 s keeps a run
 * short and shows the same thing: a dead consumer's shards wait that long for a new owner.
 */
export const LEASE_MS = 2_000;
/** Users (partition keys) of a run: enough to reach every shard of a 20-shard stream. */
export const SCALE_USERS = 200;
/** The plotted series: records processed per interval of this length, as records/s. */
export const SERIES_INTERVAL_MS = 250;
/**
 * A consumer polls each of its shards twice a second (Kinesis allows 5 calls per second per shard; the
 * KCL and Lambda poll about once a second), taking up to GET_RECORDS_LIMIT records a call: up to 1,000
 * records/s per shard, more than any one shard gets here, with few enough calls that on the local cloud
 * the emulator keeps up with the producer.
 */
const GET_RECORDS_INTERVAL_MS = 500;
const GET_RECORDS_LIMIT = 500;
const IDLE_PAUSE_MS = 50;
/** Longest a run may take by the arithmetic below; the lab refuses options that would take longer. */
export const MAX_RUN_SECONDS = 60;

export interface ScaleTakeover {
  readonly shardId: string;
  readonly from: string;
  readonly to: string;
  /** From the previous owner's death to the takeover. */
  readonly gapMs: number;
  /** From the previous owner's last renewal to the takeover: at least the lease time. */
  readonly afterRenewalMs: number;
}

export interface ScaleRun {
  readonly consumers: number;
  readonly shards: number;
  /** Consumers that held no lease when the run started. */
  readonly idle: readonly string[];
  readonly killed: readonly string[];
  /** Records of this run processed, each counted once. */
  readonly processed: number;
  /** Records processed a second time. */
  readonly duplicates: number;
  readonly elapsedMs: number;
  /**
   * Records/s while every shard still had records to process (busyRecordsPerSecond): the group's rate,
   * before the shards with fewer records (fewer keys hashed to them) run dry and leave their owners idle.
   */
  readonly recordsPerSecond: number;
  /** Records over the whole run, to the last record processed: the tail of the busiest shard included. */
  readonly overallRecordsPerSecond: number;
  /** Records/s the producer achieved: the input the group could at most keep up with. */
  readonly inputRecordsPerSecond: number;
  /** What the arithmetic predicts: the input rate, or what the active consumers can do. */
  readonly expectedRecordsPerSecond: number;
  readonly regime: 'input-bound' | 'consumer-bound';
  /** Shards each dead consumer held: every one must be taken over. */
  readonly leasesOfKilled: number;
  /** Leases of dead consumers taken over by live ones. */
  readonly takeovers: readonly ScaleTakeover[];
  /** Leases taken from a live consumer that renewed too late (a slow machine): reported, not judged. */
  readonly stolen: readonly ScaleTakeover[];
  /** Records/s per SERIES_INTERVAL_MS from the run's start. */
  readonly series: readonly number[];
  readonly timedOut: boolean;
}

export interface ScaleObservations {
  readonly streamName: string;
  readonly shardCount: number;
  readonly workMs: number;
  readonly records: number;
  readonly rate: number;
  readonly kill: number;
  readonly leaseMs: number;
  readonly seriesIntervalMs: number;
  readonly runs: readonly ScaleRun[];
}

/**
 * Throughput the arithmetic predicts: each active consumer (at most one per shard) does 1000 / workMs
 * records per second; the group cannot go faster than the records come in.
 */
export function expectedThroughput(consumers: number, shards: number, workMs: number, rate: number): { recordsPerSecond: number; regime: ScaleRun['regime'] } {
  if (workMs === 0) return { recordsPerSecond: rate, regime: 'input-bound' };
  const capacity = (Math.min(consumers, shards) * 1000) / workMs;
  return capacity >= rate ? { recordsPerSecond: rate, regime: 'input-bound' } : { recordsPerSecond: Math.round(capacity), regime: 'consumer-bound' };
}

/** Seconds a run takes by the arithmetic: the put, or the records over the consumers' capacity. */
export function estimatedRunSeconds(consumers: number, shards: number, options: Pick<ScaleOptions, 'records' | 'rate' | 'workMs'>): number {
  const { recordsPerSecond } = expectedThroughput(consumers, shards, options.workMs, options.rate);
  return options.records / recordsPerSecond;
}

/** Records/s per interval from `startedAt`, for the chart. */
export function throughputSeries(processedAt: readonly number[], startedAt: number, intervalMs = SERIES_INTERVAL_MS): number[] {
  if (processedAt.length === 0) return [];
  const buckets = Math.floor((Math.max(...processedAt) - startedAt) / intervalMs) + 1;
  const counts = Array.from({ length: buckets }, () => 0);
  for (const at of processedAt) counts[Math.max(0, Math.floor((at - startedAt) / intervalMs))]! += 1;
  return counts.map((n) => Math.round((n * 1000) / intervalMs));
}

/** One record processed: when, and from which shard. */
export interface Processed {
  readonly at: number;
  readonly shardId: string;
}

/**
 * Records/s from the first record processed until the first shard ran dry (its last record
 * processed): while every shard had work, so every active consumer did. Afterwards a consumer whose
 * shards are done sits idle however many records other shards still hold (keys do not spread evenly),
 * which is the shards' skew, not the group's capacity. Falls back to the whole run when that window is
 * shorter than `minWindowMs` (a shard with a record or two).
 */
export function busyRecordsPerSecond(processed: readonly Processed[], minWindowMs = SERIES_INTERVAL_MS): number {
  if (processed.length === 0) return 0;
  const lastByShard = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const { at, shardId } of processed) {
    lastByShard.set(shardId, Math.max(lastByShard.get(shardId) ?? -Infinity, at));
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  const firstDry = Math.min(...lastByShard.values());
  const [from, to] = firstDry - first >= minWindowMs ? [first, firstDry] : [first, last];
  if (to <= from) return 0;
  const within = processed.filter((p) => p.at >= from && p.at <= to).length;
  return Math.round((within * 1000) / (to - from));
}

/**
 * From counts known in advance, not from timing: consumers past the shard count idle; every record
 * processed exactly once; every shard of a dead consumer taken over, each after its lease expired.
 */
export function scaleVerdict(o: Pick<ScaleObservations, 'records' | 'leaseMs' | 'runs'>): Verdict {
  const failures: string[] = [];
  for (const run of o.runs) {
    const at = `${run.consumers} consumers`;
    const expectedIdle = Math.max(0, run.consumers - run.shards);
    if (run.idle.length !== expectedIdle) failures.push(`${at}: ${run.idle.length} idle, expected ${expectedIdle} (${run.shards} shards)`);
    if (run.processed !== o.records) failures.push(`${at}: processed ${run.processed} of ${o.records} records`);
    if (run.duplicates > 0) failures.push(`${at}: ${run.duplicates} record(s) processed twice`);
    if (run.takeovers.length !== run.leasesOfKilled) failures.push(`${at}: ${run.takeovers.length} of the dead consumers' ${run.leasesOfKilled} shard(s) taken over`);
    for (const t of run.takeovers) {
      if (t.afterRenewalMs < o.leaseMs) failures.push(`${at}: ${t.shardId} taken over ${t.afterRenewalMs} ms after its last renewal, before the ${o.leaseMs} ms lease expired`);
      if (run.killed.includes(t.to)) failures.push(`${at}: ${t.shardId} taken over by ${t.to}, which is dead`);
    }
    if (run.timedOut) failures.push(`${at}: the group was still behind when the wait ended`);
  }
  return verdictOf(failures);
}

export async function runScale(session: TargetSession<StreamOutput>, options: ScaleOptions, ui: Ui): Promise<ScaleObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const shardIds = (await listShardRanges(kinesis, streamName)).map((r) => r.shardId);
  for (const consumers of options.consumers) {
    const seconds = estimatedRunSeconds(consumers, shardIds.length, options);
    if (seconds > MAX_RUN_SECONDS) {
      throw new Error(`${consumers} consumers on ${shardIds.length} shards would take about ${Math.ceil(seconds)} s for ${options.records} records of ${options.workMs} ms (at most ${MAX_RUN_SECONDS}): use fewer --records or less --work-ms`);
    }
  }
  const runs: ScaleRun[] = [];
  for (const consumers of options.consumers) {
    ui.log(`${consumers} consumers in one group on ${shardIds.length} shards: putting ${options.records} records at ${options.rate}/s, ${options.workMs} ms of work each`);
    runs.push(await runGroupOnce(kinesis, session, streamName, shardIds, consumers, options));
  }
  return {
    streamName,
    shardCount: shardIds.length,
    workMs: options.workMs,
    records: options.records,
    rate: options.rate,
    kill: options.kill,
    leaseMs: LEASE_MS,
    seriesIntervalMs: SERIES_INTERVAL_MS,
    runs,
  };
}

async function runGroupOnce(
  kinesis: KinesisClient,
  session: TargetSession<StreamOutput>,
  streamName: string,
  shardIds: readonly string[],
  consumerCount: number,
  options: ScaleOptions,
): Promise<ScaleRun> {
  const runId = newRunId();
  const consumerIds = Array.from({ length: consumerCount }, (_, i) => `consumer-${i + 1}`);
  const startedAt = Date.now();
  const table = new LeaseTable(shardIds, consumerIds, LEASE_MS, startedAt);
  const idle = consumerIds.filter((c) => table.owned(c).length === 0);
  const killed = consumerIds.slice(0, options.kill);
  const leasesOfKilled = killed.reduce((n, c) => n + table.owned(c).length, 0);
  const diedAt = new Map<string, number>();
  let killNow = false;

  const processed = new Map<number, number>();
  const processedLog: Processed[] = [];
  let duplicates = 0;
  let putMs = 0;
  const deadline = startedAt + (MAX_RUN_SECONDS + 30) * 1000;
  const finished = (): boolean => processed.size >= options.records || Date.now() > deadline;
  // Records put before the run started belong to earlier runs: start every shard just before it.
  const from = new Date(startedAt - 1_000);

  const consume = async (consumer: string): Promise<void> => {
    const iterators = new Map<string, string | undefined>();
    const lastCall = new Map<string, number>();
    const open = async (lease: Lease): Promise<string | undefined> => {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: lease.shardId,
          ...(lease.checkpoint === undefined
            ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: lease.checkpoint }),
        }),
      );
      return ShardIterator;
    };
    const dead = (): boolean => {
      if (killNow && killed.includes(consumer) && !diedAt.has(consumer)) diedAt.set(consumer, Date.now());
      return diedAt.has(consumer);
    };
    while (!finished() && !dead()) {
      table.renew(consumer, Date.now());
      for (const lease of table.takeExpired(consumer, Date.now())) iterators.delete(lease.shardId);
      let read = 0;
      for (const lease of table.owned(consumer)) {
        if (dead()) return;
        if (lease.owner !== consumer) continue;
        const wait = (lastCall.get(lease.shardId) ?? 0) + GET_RECORDS_INTERVAL_MS - Date.now();
        if (wait > 0) continue;
        if (!iterators.has(lease.shardId)) iterators.set(lease.shardId, await open(lease));
        const iterator = iterators.get(lease.shardId);
        if (iterator === undefined) continue;
        lastCall.set(lease.shardId, Date.now());
        const response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
        iterators.set(lease.shardId, response.NextShardIterator);
        for (const record of response.Records ?? []) {
          const event = readStreamEvent(record.Data);
          if (event?.runId === runId && options.workMs > 0) await sleep(options.workMs);
          if (dead()) return;
          // A consumer too slow to renew may have lost the lease meanwhile: the new owner starts after the
          // checkpoint, so this record is its to process. Counting and checkpointing happen together
          // (nothing runs in between on one event loop): a record is processed exactly once.
          if (lease.owner !== consumer) break;
          if (event?.runId === runId) {
            const times = (processed.get(event.eventId) ?? 0) + 1;
            processed.set(event.eventId, times);
            if (times > 1) duplicates += 1;
            else processedLog.push({ at: Date.now(), shardId: lease.shardId });
            read += 1;
          }
          table.checkpoint(lease.shardId, consumer, record.SequenceNumber ?? '');
          table.renew(consumer, Date.now());
        }
      }
      if (read === 0) await sleep(IDLE_PAUSE_MS);
      table.renew(consumer, Date.now());
    }
  };

  const produce = async (): Promise<void> => {
    const events = makeEvents(runId, { records: options.records, users: Math.min(SCALE_USERS, options.records) });
    const perTick = Math.max(1, Math.round(options.rate / 10));
    const putStartedAt = Date.now();
    for (let start = 0; start < events.length; start += perTick) {
      const tickStart = Date.now();
      await putEvents(session, streamName, events.slice(start, start + perTick));
      if (start + perTick >= events.length / 2) killNow = true;
      const pause = 100 - (Date.now() - tickStart);
      if (pause > 0) await sleep(pause);
    }
    // Each tick is a tenth of a second of input (or longer, when its put took longer).
    putMs = Date.now() - putStartedAt;
    killNow = true;
  };

  await Promise.all([produce(), ...consumerIds.map(consume)]);
  const processedAt = processedLog.map((p) => p.at);
  const lastAt = processedAt.length > 0 ? Math.max(...processedAt) : startedAt;
  const elapsedMs = lastAt - startedAt;
  const expected = expectedThroughput(consumerCount, shardIds.length, options.workMs, options.rate);
  const takeovers = table.takeovers.map((t) => ({
    shardId: t.shardId,
    from: t.from,
    to: t.to,
    gapMs: t.takenAt - (diedAt.get(t.from) ?? t.lastRenewedAt),
    afterRenewalMs: t.takenAt - t.lastRenewedAt,
  }));
  return {
    consumers: consumerCount,
    shards: shardIds.length,
    idle,
    killed: options.kill > 0 ? killed : [],
    processed: processed.size,
    duplicates,
    elapsedMs,
    recordsPerSecond: busyRecordsPerSecond(processedLog),
    overallRecordsPerSecond: elapsedMs > 0 ? Math.round((processed.size * 1000) / elapsedMs) : 0,
    inputRecordsPerSecond: putMs > 0 ? Math.round((options.records * 1000) / putMs) : 0,
    expectedRecordsPerSecond: expected.recordsPerSecond,
    regime: expected.regime,
    leasesOfKilled: options.kill > 0 ? leasesOfKilled : 0,
    takeovers: takeovers.filter((t) => diedAt.has(t.from)),
    stolen: takeovers.filter((t) => !diedAt.has(t.from)),
    series: throughputSeries(processedAt, startedAt),
    timedOut: processed.size < options.records,
  };
}
