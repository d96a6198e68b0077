import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import { cdkCommand } from '../../cdk-command';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { integerOutput, listOutput, textOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { readKeyCheckpoints, type KeyCheckpoint } from './checkpoints';
import { waitForActiveConsumers } from './consumer-status';
import { makeEvents, putEvents, type StreamOptions } from './events';

// labs stream parallel: a polling consumer with a parallelization factor against factor-1 consumers

export interface ParallelOptions extends StreamOptions {
  /** The parallelization factor the run expects the polling consumer to have. */
  readonly factor: number;
  /** Work per record, asked of every consumer. */
  readonly workMs: number;
  /** For the redeploy command on AWS. */
  readonly stackPrefix?: string;
}

export interface ParallelShard {
  readonly shardId: string;
  readonly keys: number;
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
  /** Pairs of keys whose last records finished in the opposite order to the shard's. */
  readonly keysOutOfShardOrder: number;
}

export interface ParallelConsumer {
  readonly name: string;
  readonly kind: 'polling' | 'enhanced fan-out';
  /** Concurrent batches per shard: the stack's factor for the polling consumer, 1 for enhanced fan-out. */
  readonly factor: number;
  readonly records: number;
  readonly expected: number;
  readonly orderViolations: number;
  readonly keysOutOfShardOrder: number;
  /**
   * From the consumer's first processed record of this run to its last (a cold start before the first
   * is not the factor's doing).
   */
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly shards: readonly ParallelShard[];
}

export interface ParallelObservations {
  readonly runId: string;
  readonly streamName: string;
  readonly factor: number;
  readonly deployedFactor: number;
  readonly workMs: number;
  readonly records: number;
  readonly users: number;
  readonly consumers: readonly ParallelConsumer[];
  /** Elapsed time of the factor-1 baseline (the first enhanced fan-out consumer) over the polling consumer's. */
  readonly speedUp: number;
  readonly timedOut: boolean;
}

/**
 * Pairs of keys of one shard whose last records were processed in the opposite order to their
 * sequence numbers: 0 when the shard is processed one record after the other; with several concurrent
 * batches per shard, a key of a lightly loaded batch finishes before an earlier key of a busy one.
 */
export function keysOutOfShardOrder(keys: readonly Pick<KeyCheckpoint, 'lastSequenceNumber' | 'lastProcessedAt'>[]): number {
  let pairs = 0;
  for (const a of keys) {
    for (const b of keys) {
      if (a.lastSequenceNumber < b.lastSequenceNumber && a.lastProcessedAt > b.lastProcessedAt) pairs += 1;
    }
  }
  return pairs;
}

/** A consumer's figures from its key checkpoints of this run. */
export function parallelConsumer(
  name: string,
  kind: ParallelConsumer['kind'],
  factor: number,
  keys: readonly KeyCheckpoint[],
  expectedPerShard: ReadonlyMap<string, number>,
): ParallelConsumer {
  const shards = [...expectedPerShard].map(([shardId, expected]) => {
    const ofShard = keys.filter((k) => k.shardId === shardId);
    return {
      shardId,
      keys: ofShard.length,
      records: ofShard.reduce((n, k) => n + k.records, 0),
      expected,
      orderViolations: ofShard.reduce((n, k) => n + k.orderViolations, 0),
      keysOutOfShardOrder: keysOutOfShardOrder(ofShard),
    };
  });
  const records = shards.reduce((n, s) => n + s.records, 0);
  const elapsedMs = keys.length === 0 ? 0 : Math.max(...keys.map((k) => k.lastProcessedAt)) - Math.min(...keys.map((k) => k.firstProcessedAt));
  return {
    name,
    kind,
    factor,
    records,
    expected: shards.reduce((n, s) => n + s.expected, 0),
    orderViolations: shards.reduce((n, s) => n + s.orderViolations, 0),
    keysOutOfShardOrder: shards.reduce((n, s) => n + s.keysOutOfShardOrder, 0),
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : 0,
    shards,
  };
}

/**
 * From counts only (the run refuses to start on a stack of another factor): every consumer processed each shard's records
 * exactly once, with no key out of order; and a factor-1 consumer finished every shard's keys in shard
 * order (one record after the other). How much faster the factor made the polling consumer is reported,
 * not judged: it depends on how the keys fall into the concurrent batches.
 */
export function parallelVerdict(o: Pick<ParallelObservations, 'consumers' | 'timedOut' | 'workMs'>): Verdict {
  const failures: string[] = [];
  for (const c of o.consumers) {
    for (const s of c.shards) {
      if (s.records !== s.expected) failures.push(`consumer ${c.name} processed ${s.records} of the ${s.expected} records of ${s.shardId}`);
    }
    if (c.orderViolations > 0) failures.push(`consumer ${c.name} saw ${c.orderViolations} record(s) of a key out of order`);
    if (c.factor === 1 && o.workMs > 0 && c.keysOutOfShardOrder > 0) {
      failures.push(`consumer ${c.name} (factor 1) finished ${c.keysOutOfShardOrder} pair(s) of keys out of shard order`);
    }
  }
  if (o.timedOut) failures.push('consumers were still behind when the wait ended');
  return verdictOf(failures);
}

export async function runParallel(session: TargetSession<StreamOutput>, options: ParallelOptions, ui: Ui, timeoutMs = 90_000): Promise<ParallelObservations> {
  const { kinesis } = session.clients;
  const streamName = textOutput(session, 'StreamName');
  const deployedFactor = integerOutput(session, 'ParallelizationFactor');
  if (deployedFactor !== options.factor) {
    const deploy = cdkCommand('deploy', { stackName: session.stackName, stackPrefix: options.stackPrefix ?? '' }, { parallelizationFactor: options.factor });
    throw new Error(
      `${session.stackName}'s polling consumer runs with parallelization factor ${deployedFactor}, and the factor is a deploy-time setting of its mapping: run \`${deploy}\`, then this lab again`,
    );
  }
  const pollingName = textOutput(session, 'PollingConsumerName');
  const consumerNames = listOutput(session, 'ConsumerNames');
  await waitForActiveConsumers(kinesis, textOutput(session, 'StreamArn'), consumerNames.filter((name) => name !== pollingName));

  const runId = newRunId();
  // Keys of this run only, so each key's checkpoint (and its processing times) belongs to this run.
  const events = makeEvents(runId, options).map((e) => ({ ...e, userId: `${e.userId}.${runId}`, workMs: options.workMs }));
  ui.log(
    `putting ${options.records} records of ${options.users} users, ${options.workMs} ms of work each, into ${streamName}; ` +
      `${pollingName} runs ${options.factor} batch(es) per shard at once, the enhanced fan-out consumers one (run ${runId})`,
  );
  const { put } = await putEvents(session, streamName, events);
  const expectedPerShard = new Map<string, number>();
  for (const p of put) expectedPerShard.set(p.shardId, (expectedPerShard.get(p.shardId) ?? 0) + 1);
  const ours = new Set(events.map((e) => e.userId));

  const progress = ui.progress('consumers', options.records * consumerNames.length);
  let consumers: ParallelConsumer[] = [];
  const { timedOut } = await pollUntil({
    timeoutMs,
    intervalMs: 250,
    poll: async () => {
      const checkpoints = await readKeyCheckpoints(session, textOutput(session, 'CheckpointTableName'), consumerNames);
      consumers = consumerNames.map((name) => {
        const polling = name === pollingName;
        const keys = (checkpoints.get(name) ?? []).filter((k) => ours.has(k.partitionKey));
        return parallelConsumer(name, polling ? 'polling' : 'enhanced fan-out', polling ? deployedFactor : 1, keys, expectedPerShard);
      });
      return consumers;
    },
    done: (current) => current.every((c) => c.records >= c.expected),
    onState: (current) => progress.update(current.reduce((n, c) => n + Math.min(c.records, c.expected), 0)),
  });
  progress.stop();
  const polling = consumers.find((c) => c.kind === 'polling');
  const baseline = consumers.find((c) => c.kind === 'enhanced fan-out');
  const speedUp = polling && baseline && polling.elapsedMs > 0 ? Math.round((baseline.elapsedMs / polling.elapsedMs) * 100) / 100 : 0;
  return {
    runId,
    streamName,
    factor: options.factor,
    deployedFactor,
    workMs: options.workMs,
    records: options.records,
    users: options.users,
    consumers,
    speedUp,
    timedOut,
  };
}
