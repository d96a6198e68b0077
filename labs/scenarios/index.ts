import { renderFanout } from '../report/fanout';
import { renderPipeline } from '../report/pipeline';
import { renderGroup, renderReplay, renderStream } from '../report/stream';
import { renderWorkerPool } from '../report/worker-pool';
import { pipelineConcurrency, streamConcurrency, workerPoolConcurrency } from './concurrency';
import { fanoutVerdict, runFanout } from './fanout';
import { pipelineVerdict, runPipeline } from './pipeline';
import { numberOption, optionalNumber, optionalText, UsageError, type ModuleLab, type OptionSpec, type Scenario } from './scenario';
import { groupVerdict, replayVerdict, runGroup, runReplay, runStream, streamVerdict } from './stream';
import { runWorkerPool, workerPoolVerdict } from './worker-pool';
import { labIdleCostNotice } from '../cost/command';

const STREAM_OPTIONS: readonly OptionSpec[] = [
  { flags: '--records <n>', description: 'records to put', kind: 'count', min: 1, defaultValue: 30 },
  { flags: '--users <n>', description: 'distinct users (partition keys)', kind: 'count', min: 1, defaultValue: 5 },
];

const streamOptions = (o: Readonly<Record<string, unknown>>): { records: number; users: number } => ({
  records: numberOption(o, 'records'),
  users: numberOption(o, 'users'),
});

const fanout: Scenario = {
  summary: 'publish order events to SNS; every queue gets its copy, filtered by its subscription (Module 8, fan-out)',
  options: [{ flags: '--orders <n>', description: 'order events to publish', kind: 'count', min: 1, defaultValue: 5 }],
  prepare: (o) => ({
    run: async (session, ui) => {
      const observations = await runFanout(session, { orders: numberOption(o, 'orders') }, ui);
      return { verdict: fanoutVerdict(observations), observations: { ...observations }, render: (c) => renderFanout(observations, c) };
    },
  }),
};

const workerPool: Scenario = {
  summary: 'send tasks to a work queue shared by a pool of Lambda workers (Module 8, load balancing)',
  options: [
    { flags: '--tasks <n>', description: 'tasks to send', kind: 'count', min: 1, defaultValue: 20 },
    {
      flags: '--workers <n>',
      description: 'worker pool size (local: synthesized with it; AWS: must match the deployed pool) (default: the stack\'s, 3)',
      kind: 'count',
      min: 2,
      max: 1000,
    },
    { flags: '--work-ms <ms>', description: 'simulated work per task, in milliseconds', kind: 'count', min: 0, defaultValue: 200 },
    { flags: '--poison <n>', description: 'tasks that fail on every attempt and end in the dead-letter queue', kind: 'count', min: 0, defaultValue: 0 },
    { flags: '--crash', description: 'one task kills its worker mid-task; watch it come back and complete elsewhere', kind: 'flag', defaultValue: false },
  ],
  prepare: (o, env) => {
    const options = {
      tasks: numberOption(o, 'tasks'),
      workers: optionalNumber(o, 'workers'),
      workMs: numberOption(o, 'workMs'),
      poison: numberOption(o, 'poison'),
      crash: o.crash === true,
    };
    if (options.poison > options.tasks) {
      throw new UsageError(`--poison (${options.poison}) cannot exceed --tasks (${options.tasks})`);
    }
    if (options.crash && options.poison === options.tasks) {
      throw new UsageError('--crash needs at least one task that is not poison');
    }
    return {
      ...(options.workers !== undefined ? { context: { workerPoolSize: options.workers } } : {}),
      requiredConcurrency: workerPoolConcurrency,
      run: async (session, ui) => {
        const observations = await runWorkerPool(session, { ...options, stackPrefix: env.stackPrefix }, ui);
        return { verdict: workerPoolVerdict(observations), observations: { ...observations }, render: (c) => renderWorkerPool(observations, c) };
      },
    };
  },
};

const stream: Scenario = {
  summary: 'put records by user into a multi-shard stream; routing, per-shard reads, every consumer (Modules 6 and 8)',
  options: STREAM_OPTIONS,
  prepare: (o, env) => ({
    requiredConcurrency: streamConcurrency,
    run: async (session, ui) => {
      const observations = await runStream(session, streamOptions(o), ui);
      // Shards and enhanced fan-out consumers bill by the hour: say so after every stream lab.
      const notice = labIdleCostNotice('stream', session.target, {
        shardCount: Number(session.outputs.ShardCount),
        stackPrefix: env.stackPrefix,
      });
      if (notice) ui.log(notice);
      return { verdict: streamVerdict(observations), observations: { ...observations }, render: (c) => renderStream(observations, c) };
    },
  }),
};

const replay: Scenario = {
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

const group: Scenario = {
  command: 'group',
  summary: 'one consumer group shares the shards; more consumers than shards leaves some idle (Module 8, question 2)',
  options: [
    { flags: '--consumers <n>', description: 'consumers in the group', kind: 'count', min: 1, defaultValue: 6 },
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

const pipeline: Scenario = {
  summary: 'a ventilator splits a job into subtasks through SNS; workers fan the results back in (fan-out/fan-in)',
  options: [
    { flags: '--subtasks <n>', description: 'subtasks to split the job into', kind: 'count', min: 1, max: 1000, defaultValue: 10 },
    // The most any deployment accepts (the pipeline construct's maxRangeEnd limit); the lab sieves up to it itself.
    { flags: '--range-end <n>', description: 'the job counts the primes below this number', kind: 'count', min: 1, max: 100_000_000, defaultValue: 1_000_000 },
  ],
  prepare: (o) => {
    const options = { subtasks: numberOption(o, 'subtasks'), rangeEnd: numberOption(o, 'rangeEnd') };
    if (options.subtasks > options.rangeEnd) {
      throw new UsageError(`--subtasks (${options.subtasks}) cannot exceed --range-end (${options.rangeEnd}): every subtask needs a number to check`);
    }
    return {
      requiredConcurrency: () => pipelineConcurrency(options.subtasks),
      run: async (session, ui) => {
        const observations = await runPipeline(session, options, ui);
        return { verdict: pipelineVerdict(observations), observations: { ...observations }, render: (c) => renderPipeline(observations, c) };
      },
    };
  },
};

/**
 * The lab of each registered module, by module name. The registry (lib/modules.ts) says which
 * modules exist and how their stacks are found; this says what `labs <module>` does with one.
 */
export const LABS: Readonly<Record<string, ModuleLab>> = {
  fanout: { main: fanout },
  'worker-pool': { main: workerPool },
  stream: { main: stream, subcommands: [replay, group] },
  pipeline: { main: pipeline },
};
