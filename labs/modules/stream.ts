import type { StreamOutput } from '../../lib/stacks/stream-stack';
import { labIdleCostNotice } from '../cost/command';
import { streamShards } from '../cost/idle';
import { GB, invocationItems, item, KINESIS_PUT_UNIT_BYTES, MILLION, tableWriteItems, type PathModel } from '../cost/path';
import { renderGroup, renderParallel, renderReplay, renderScale, renderStream } from '../report/stream';
import { streamConcurrency } from '../scenarios/concurrency';
import { integerOutput } from '../scenarios/outputs';
import { numberOption, optionalText, UsageError, type ModuleLab, type OptionSpec, type Scenario } from '../scenarios/scenario';
import { groupVerdict, parallelVerdict, replayVerdict, runGroup, runParallel, runReplay, runScale, runStream, scaleVerdict, streamVerdict } from '../scenarios/stream';
import { MAX_WORK_MS } from '../../lambda/stream/messages';
import { MAX_RECORD_BYTES, sizeStream, sizeVerdict } from '../scenarios/stream/size';
import { renderSize } from '../report/stream-size';
import { renderKeys } from '../report/stream-keys';
import { KEY_STRATEGIES, keysVerdict, runKeys, type KeyStrategy } from '../scenarios/stream/keys';
import { renderRecompute, renderVsQueue } from '../report/stream-lessons';
import { recomputeVerdict, runRecompute } from '../scenarios/stream/recompute';
import { runVsQueue, vsQueueVerdict } from '../scenarios/stream/vs-queue';
import { renderReshard } from '../report/stream-reshard';
import { reshardVerdict, runReshard } from '../scenarios/stream/reshard';

/**
 * The lab holds every record it puts (to check routing and order) and waits 90 s for every consumer to
 * read all of them: 10,000 records pass on the local cloud within that wait (about 0.9 GB of memory),
 * and take 3 s of the default 4 shards' write limit (1,000 records/s each) on AWS. Users are partition
 * keys listed per shard in the report.
 */
const STREAM_OPTIONS: readonly OptionSpec[] = [
  { flags: '--records <n>', description: 'records to put', kind: 'count', min: 1, max: 10_000, defaultValue: 30 },
  { flags: '--users <n>', description: 'distinct users (partition keys)', kind: 'count', min: 1, max: 1000, defaultValue: 5 },
];

const streamOptions = (o: Readonly<Record<string, unknown>>): { records: number; users: number } => ({
  records: numberOption(o, 'records'),
  users: numberOption(o, 'users'),
});

const main: Scenario<StreamOutput> = {
  summary: 'put records by user into a multi-shard stream; routing, per-shard reads, every consumer (Modules 6 and 8)',
  options: STREAM_OPTIONS,
  prepare: (o, env) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runStream(session, streamOptions(o), ui);
      // Shards and enhanced fan-out consumers bill by the hour: say so after every stream lab.
      const notice = await labIdleCostNotice('stream', session.target, {
        shardCount: integerOutput(session, 'ShardCount'),
        stackPrefix: env.stackPrefix,
      });
      if (notice) ui.log(notice);
      return { verdict: streamVerdict(observations), observations: { ...observations }, render: (c) => renderStream(observations, c) };
    },
  }),
};

const replay: Scenario<StreamOutput> = {
  command: 'replay',
  summary: 're-read a shard from a sequence number, AT_SEQUENCE_NUMBER (Module 6, step 4)',
  options: [
    { flags: '--from <sequence-number>', description: 'sequence number to replay from (default: put this run\'s records and replay from the middle one)', kind: 'text' },
    { flags: '--shard <shard-id>', description: 'shard to replay (default: the shard holding --from, or the busiest shard of this run)', kind: 'text' },
    ...STREAM_OPTIONS,
  ],
  prepare: (o) => {
    const from = optionalText(o, 'from');
    if (from !== undefined && !/^\d{1,128}$/.test(from)) {
      throw new UsageError(`--from must be a Kinesis sequence number (decimal digits), but '${from}' was provided`);
    }
    const shard = optionalText(o, 'shard');
    return {
      requiredConcurrency: streamConcurrency,
      run: async (session, ui) => {
        const observations = await runReplay(
          session,
          { ...streamOptions(o), ...(from !== undefined ? { from } : {}), ...(shard !== undefined ? { shard } : {}) },
          ui,
        );
        return { verdict: replayVerdict(observations), observations: { ...observations }, render: () => renderReplay(observations) };
      },
    };
  },
};

const group: Scenario<StreamOutput> = {
  command: 'group',
  summary: 'one consumer group shares the shards; more consumers than shards leaves some idle (Module 8, question 2)',
  options: [
    // A group never has more busy members than the stream has shards (at most 20 on LabStream): 100
    // consumers already shows the lesson, every one past the shard count idle.
    { flags: '--consumers <n>', description: 'consumers in the group', kind: 'count', min: 1, max: 100, defaultValue: 6 },
    ...STREAM_OPTIONS,
  ],
  prepare: (o) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runGroup(session, { ...streamOptions(o), consumers: numberOption(o, 'consumers') }, ui);
      return { verdict: groupVerdict(observations), observations: { ...observations }, render: () => renderGroup(observations) };
    },
  }),
};

const parallel: Scenario<StreamOutput> = {
  command: 'parallel',
  summary: 'a parallelization factor splits each shard over concurrent batches by key: per-key order kept, shard order not, faster with per-record work',
  // Lambda allows factors 1 to 10. 2,000 records of 50 ms on 4 shards take a factor-1 consumer 25 s,
  // within the lab's 90 s wait.
  options: [
    { flags: '--factor <n>', description: 'concurrent batches per shard of the polling consumer (locally synthesized; on AWS as deployed)', kind: 'count', min: 1, max: 10, defaultValue: 4 },
    { flags: '--records <n>', description: 'records to put', kind: 'count', min: 1, max: 2000, defaultValue: 200 },
    { flags: '--users <n>', description: 'distinct users (partition keys)', kind: 'count', min: 1, max: 1000, defaultValue: 20 },
    { flags: '--work-ms <ms>', description: `work per record in every consumer, at most ${MAX_WORK_MS} ms`, kind: 'count', min: 0, max: MAX_WORK_MS, defaultValue: 20 },
  ],
  prepare: (o, env) => {
    const options = { ...streamOptions(o), factor: numberOption(o, 'factor'), workMs: numberOption(o, 'workMs'), stackPrefix: env.stackPrefix };
    return {
      // The factor is a setting of the mapping: the local cloud synthesizes the stack with it.
      context: { parallelizationFactor: options.factor },
      requiredConcurrency: streamConcurrency,
      run: async (session, ui) => {
        const observations = await runParallel(session, options, ui);
        return { verdict: parallelVerdict(observations), observations: { ...observations }, render: () => renderParallel(observations) };
      },
    };
  },
};

const MAX_GROUPS = 6;
const MAX_GROUP_SIZE = 100;

/** `5,10,15`: group sizes, one run each. */
export function consumerCounts(raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const counts = parts.map(Number);
  if (parts.length > MAX_GROUPS || parts.some((p) => !/^\d+$/.test(p)) || counts.some((n) => n < 1 || n > MAX_GROUP_SIZE)) {
    throw new UsageError(`--consumers must be up to ${MAX_GROUPS} group sizes of 1 to ${MAX_GROUP_SIZE}, comma-separated (e.g. 5,10,15), but '${raw}' was provided`);
  }
  return counts;
}

const scale: Scenario<StreamOutput> = {
  command: 'scale',
  summary: 'one consumer group of 5, 10, 15 on the stack\'s shards: records/s, idle consumers, a dead consumer\'s shards taken over (Module 8, question 2)',
  // The lab's consumers run in the lab process; a run may take at most 60 s by its own arithmetic
  // (checked once the shard count is known). 5,000 records/s is half of what 10 shards accept.
  options: [
    { flags: '--consumers <list>', description: `group sizes, one run each (up to ${MAX_GROUPS}, each 1 to ${MAX_GROUP_SIZE})`, kind: 'text', defaultValue: '5,10,15' },
    { flags: '--work-ms <ms>', description: 'work per record in each consumer (0: input-bound)', kind: 'count', min: 0, max: 1000, defaultValue: 0 },
    { flags: '--records <n>', description: 'records put in each run', kind: 'count', min: 1, max: 10_000, defaultValue: 1000 },
    { flags: '--rate <n>', description: 'records put per second', kind: 'count', min: 10, max: 5000, defaultValue: 1000 },
    { flags: '--kill <n>', description: 'consumers that die when half the records are put (fewer than the smallest group)', kind: 'count', min: 0, max: MAX_GROUP_SIZE - 1, defaultValue: 0 },
  ],
  prepare: (o) => {
    const options = {
      consumers: consumerCounts(optionalText(o, 'consumers') ?? ''),
      workMs: numberOption(o, 'workMs'),
      records: numberOption(o, 'records'),
      rate: numberOption(o, 'rate'),
      kill: numberOption(o, 'kill'),
    };
    const smallest = Math.min(...options.consumers);
    if (options.kill >= smallest) {
      throw new UsageError(`--kill (${options.kill}) must be below the smallest group (${smallest}): someone has to take the shards over`);
    }
    return {
      // The group is the lab's own: locally the stack's three functions would read every record too, 30
      // execution environments with 10 shards on the lab's own cores, and the lab would measure them,
      // not the group. On AWS they run in Lambda, apart from the lab.
      context: { consumerMappings: 'disabled' },
      run: async (session, ui) => {
        const observations = await runScale(session, options, ui);
        return { verdict: scaleVerdict(observations), observations: { ...observations }, render: () => renderScale(observations) };
      },
    };
  },
};

const reshard: Scenario<StreamOutput> = {
  command: 'reshard',
  summary: 'to scale further, add shards: `cdk deploy -c shardCount=N` (locally applied to the running stream); parents, children, each key in order across it',
  // LabStream takes 1 to 20 shards, and one UpdateShardCount at most doubles or halves (checked once the
  // stream's count is known). Records are put twice (before and after) and held, as by `labs stream`.
  options: [
    { flags: '--to <n>', description: 'open shards after the reshard (half to double the current count)', kind: 'count', min: 1, max: 20, defaultValue: 8 },
    { flags: '--records <n>', description: 'records put before the reshard, and as many after it', kind: 'count', min: 1, max: 1000, defaultValue: 40 },
    { flags: '--users <n>', description: 'distinct users (partition keys)', kind: 'count', min: 1, max: 100, defaultValue: 10 },
    { flags: '--wait-seconds <s>', description: 'AWS: how long to wait for your `cdk deploy` to resize the stream', kind: 'count', min: 60, max: 3600, defaultValue: 900 },
  ],
  prepare: (o, env) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runReshard(
        session,
        { to: numberOption(o, 'to'), records: numberOption(o, 'records'), users: numberOption(o, 'users'), waitSeconds: numberOption(o, 'waitSeconds') },
        ui,
      );
      // More shards bill more shard-hours (and consumer-shard-hours) while the stack stays deployed.
      const notice = await labIdleCostNotice('stream', session.target, { shardCount: observations.openAfter, stackPrefix: env.stackPrefix });
      if (notice) ui.log(notice);
      return { verdict: reshardVerdict(observations), observations: { ...observations }, render: (c) => renderReshard(observations, c) };
    },
  }),
};

const MAX_HEADROOM = 10;

function headroomOption(o: Readonly<Record<string, unknown>>): number {
  const raw = optionalText(o, 'headroom') ?? '';
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value < 1 || value > MAX_HEADROOM) {
    throw new UsageError(`--headroom must be a number between 1 and ${MAX_HEADROOM} (1.5 adds half again), but '${raw}' was provided`);
  }
  return value;
}

const size: Scenario<StreamOutput> = {
  command: 'size',
  summary: 'shards a stream needs for N devices, by bytes and by records, with headroom and idle cost; no stack needed (Module 6, question 3)',
  // The seed's IoT platform is the default; the maxima keep the figures within what one account can
  // provision (10,000,000 devices each second at 1 KiB is about 10,000 shards).
  options: [
    { flags: '--devices <n>', description: 'devices putting records', kind: 'count', min: 1, max: 10_000_000, defaultValue: 100_000 },
    { flags: '--interval-seconds <n>', description: 'seconds between two records of one device', kind: 'count', min: 1, max: 86_400, defaultValue: 10 },
    { flags: '--record-bytes <n>', description: 'bytes per record (a record carries at most 1 MiB)', kind: 'count', min: 1, max: MAX_RECORD_BYTES, defaultValue: 1024 },
    { flags: '--headroom <factor>', description: `multiplier on the minimum shard count, 1 to ${MAX_HEADROOM}`, kind: 'text', defaultValue: '1.5' },
  ],
  prepare: (o) => {
    const input = {
      devices: numberOption(o, 'devices'),
      intervalSeconds: numberOption(o, 'intervalSeconds'),
      recordBytes: numberOption(o, 'recordBytes'),
      headroom: headroomOption(o),
    };
    return {
      compute: () => {
        const observations = sizeStream(input);
        return { verdict: sizeVerdict(observations), observations: { ...observations }, render: () => renderSize(observations) };
      },
    };
  },
};

function strategyOption(o: Readonly<Record<string, unknown>>): KeyStrategy[] {
  const raw = optionalText(o, 'strategy') ?? 'all';
  if (raw === 'all') return [...KEY_STRATEGIES];
  if ((KEY_STRATEGIES as readonly string[]).includes(raw)) return [raw as KeyStrategy];
  throw new UsageError(`--strategy must be one of ${KEY_STRATEGIES.join(', ')} or all, but '${raw}' was provided`);
}

const keys: Scenario<StreamOutput> = {
  command: 'keys',
  summary: 'the same device readings put with device, fixed, timestamp and random partition keys: spread, skew, per-device order (Module 6, question 3)',
  options: [
    // Each strategy puts --records readings and the lab holds them all: 4 x 2,000 records is well within
    // the local cloud and takes 2 s of 4 shards' write limit on AWS. At least two readings per device.
    { flags: '--records <n>', description: 'readings put with each key strategy (20 devices, one reading a second each)', kind: 'count', min: 40, max: 2000, defaultValue: 200 },
    { flags: '--strategy <name>', description: `partition key: ${KEY_STRATEGIES.join(', ')} or all`, kind: 'text', defaultValue: 'all' },
  ],
  prepare: (o) => {
    const options = { records: numberOption(o, 'records'), strategies: strategyOption(o) };
    return {
      requiredConcurrency: streamConcurrency,
      run: async (session, ui) => {
        const observations = await runKeys(session, options, ui);
        return { verdict: keysVerdict(observations), observations: { ...observations }, render: (c) => renderKeys(observations, c) };
      },
    };
  },
};

/** The labs that put the same messages in the stream and the comparison queue. */
const STREAM_OPTIONS_FOR_QUEUE: readonly OptionSpec[] = [
  // Every queue read must end within the 10 s a received message stays hidden: 200 messages are 20 receives.
  { flags: '--records <n>', description: 'messages put in the stream and in the queue', kind: 'count', min: 1, max: 200, defaultValue: 30 },
  { flags: '--users <n>', description: 'distinct users (partition keys)', kind: 'count', min: 1, max: 1000, defaultValue: 5 },
];

const vsQueue: Scenario<StreamOutput> = {
  command: 'vs-queue',
  summary: 'the same messages in the stream and in a queue, each read twice and by a second reader: the log keeps them, the queue hands each out once (Module 6, step 5)',
  options: STREAM_OPTIONS_FOR_QUEUE,
  prepare: (o) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runVsQueue(session, streamOptions(o), ui);
      return { verdict: vsQueueVerdict(observations), observations: { ...observations }, render: (c) => renderVsQueue(observations, c) };
    },
  }),
};

const recompute: Scenario<StreamOutput> = {
  command: 'recompute',
  summary: 'a consumer with a known bug counts page views; the fixed code replays the stream AT_TIMESTAMP and gets them right, the queue has nothing left (Module 6, question 2)',
  options: STREAM_OPTIONS_FOR_QUEUE,
  prepare: (o) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runRecompute(session, streamOptions(o), ui);
      return { verdict: recomputeVerdict(observations), observations: { ...observations }, render: (c) => renderRecompute(observations, c) };
    },
  }),
};

/**
 * stream: producers put records (PUT payload units per started 25 KB); every polling mapping and
 * every enhanced fan-out consumer reads every record; each invocation handles one full batch of one
 * shard and makes one checkpoint write per partition key in it (order is kept per key); enhanced
 * fan-out bills the bytes it pushes.
 */
const path: PathModel = {
  message: 'record put to the stream',
  description: 'PUT payload units; per consumer one invocation and one checkpoint write per batch; enhanced fan-out GB retrieved',
  estimate: (view, a) => {
    const kinesis = view.single('AWS::Kinesis::Stream', 'the stream model');
    if (streamShards(kinesis, view) === 'on-demand') {
      throw new Error(`${kinesis.logicalId} is an on-demand stream: the price table has no on-demand per-GB prices`);
    }
    const unitsPerRecord = Math.ceil(a.recordBytes / KINESIS_PUT_UNIT_BYTES);
    const items = [item(`${kinesis.logicalId}: PUT payload units (${unitsPerRecord} per record)`, MILLION * unitsPerRecord, 'kinesis.putPayloadUnits')];
    const consumers = view.resources('AWS::Kinesis::StreamConsumer').filter((c) => view.referencedId(c.properties['StreamARN']) === kinesis.logicalId);
    for (const consumer of consumers) {
      items.push(item(`${consumer.logicalId}: enhanced fan-out data retrieved`, (MILLION * a.recordBytes) / GB, 'kinesis.enhancedFanOutDataRetrievalGb'));
    }
    const readers = new Set([kinesis.logicalId, ...consumers.map((c) => c.logicalId)]);
    for (const mapping of view.eventSourceMappings().filter((m) => readers.has(m.sourceId))) {
      const fn = view.function(mapping.functionId);
      const batches = MILLION / mapping.batchSize;
      items.push(...invocationItems(fn, batches, a.streamBatchOverheadMs + mapping.batchSize * a.streamRecordMs, a));
      const keysPerBatch = Math.min(mapping.batchSize, a.streamKeysPerBatch);
      items.push(...tableWriteItems(fn, view, batches, { CHECKPOINT_TABLE_NAME: keysPerBatch }, 'batch'));
    }
    return {
      items,
      assumptions: [
        `${a.recordBytes} B per record`,
        'full batches of each mapping\'s BatchSize (a slow producer gets smaller batches, hence more invocations)',
        `${a.streamKeysPerBatch} partition keys per batch, one checkpoint write each`,
        `${a.streamRecordMs} ms per record + ${a.streamBatchOverheadMs} ms per batch`,
        'polling reads (GetRecords) of a provisioned stream are free; KMS requests of the AWS managed stream key are negligible and not counted',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The stream module's lab (registered in lib/modules.ts). Shards and consumers bill while idle. */
export const streamLab: ModuleLab<StreamOutput> = {
  main,
  subcommands: [replay, group, parallel, scale, reshard, size, keys, vsQueue, recompute],
  cost: { path, idleTargetPerHour: 0.25 },
};
