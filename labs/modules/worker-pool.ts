import type { WorkerPoolOutput } from '../../lib/stacks/worker-pool-stack';
import {
  BATCH_API_ENTRIES,
  chunkedRequests,
  invocationItems,
  item,
  MILLION,
  NEAR_FREE_IDLE_TARGET_PER_HOUR,
  SQS_CHUNK_BYTES,
  sqsPollerItems,
  tableWriteItems,
  type PathModel,
} from '../cost/path';
import { renderWorkerPool } from '../report/worker-pool';
import { workerPoolConcurrency } from '../scenarios/concurrency';
import { runWorkerPool, SKEW_BATCH_SIZE, workerPoolVerdict } from '../scenarios/worker-pool';
import { skewVerdict } from '../scenarios/worker-pool-skew';
import { numberOption, optionalNumber, UsageError, verdictOf, type ModuleLab, type Scenario } from '../scenarios/scenario';

const main: Scenario<WorkerPoolOutput> = {
  summary: 'send tasks to a work queue shared by a pool of Lambda workers (Module 8, load balancing)',
  options: [
    // The lab's deadline grows with the tasks (tasks / workers x work): 1,000 tasks of the default 200 ms
    // on the default 3 workers is about a minute of work.
    { flags: '--tasks <n>', description: 'tasks to send', kind: 'count', min: 1, max: 1000, defaultValue: 20 },
    {
      flags: '--workers <n>',
      description: 'worker pool size (local: synthesized with it; AWS: must match the deployed pool) (default: the stack\'s, 3)',
      kind: 'count',
      min: 2,
      // Each local worker is a thread with its own heap: a pool of 100 ran 1,000 tasks in about 1 GB.
      // On AWS a pool this size already needs a concurrency quota above a new account's 10.
      max: 100,
    },
    // Lambda's 15-minute timeout bounds any task; the deployed pool's own MaxTaskWorkMs is checked when the lab starts.
    { flags: '--work-ms <ms>', description: 'simulated work per task, in milliseconds', kind: 'count', min: 0, max: 900_000, defaultValue: 200 },
    // At most --tasks, checked below.
    { flags: '--poison <n>', description: 'tasks that fail on every attempt and end in the dead-letter queue', kind: 'count', min: 0, max: 1000, defaultValue: 0 },
    { flags: '--crash', description: 'one task kills its worker mid-task; watch it come back and complete elsewhere', kind: 'flag', defaultValue: false },
    {
      flags: '--skew',
      description: 'a few tasks work ten times --work-ms; workers pull one task at a time (local: synthesized so; AWS: deploy with -c workerBatchSize=1): busy time evens out, compared with round-robin',
      kind: 'flag',
      defaultValue: false,
    },
  ],
  prepare: (o, env) => {
    const options = {
      tasks: numberOption(o, 'tasks'),
      workers: optionalNumber(o, 'workers'),
      workMs: numberOption(o, 'workMs'),
      poison: numberOption(o, 'poison'),
      crash: o.crash === true,
      skew: o.skew === true,
    };
    if (options.skew && (options.poison > 0 || options.crash)) {
      throw new UsageError('--skew compares healthy tasks only: leave out --poison and --crash');
    }
    if (options.skew && options.tasks < 10) {
      throw new UsageError(`--skew needs at least 10 tasks to show the balance, but --tasks ${options.tasks} was provided`);
    }
    if (options.poison > options.tasks) {
      throw new UsageError(`--poison (${options.poison}) cannot exceed --tasks (${options.tasks})`);
    }
    if (options.crash && options.poison === options.tasks) {
      throw new UsageError('--crash needs at least one task that is not poison');
    }
    return {
      ...(options.workers !== undefined || options.skew
        ? {
            context: {
              ...(options.workers !== undefined ? { workerPoolSize: options.workers } : {}),
              ...(options.skew ? { workerBatchSize: SKEW_BATCH_SIZE } : {}),
            },
          }
        : {}),
      requiredConcurrency: workerPoolConcurrency,
      run: async (session, ui) => {
        const observations = await runWorkerPool(session, { ...options, stackPrefix: env.stackPrefix }, ui);
        const verdict = verdictOf([...workerPoolVerdict(observations).failures, ...(observations.skew ? skewVerdict(observations.skew).failures : [])]);
        return { verdict, observations: { ...observations }, render: (c) => renderWorkerPool(observations, c) };
      },
    };
  },
};

/**
 * worker-pool: the producer sends in batches of 10; the SQS event-source mapping receives full batches
 * of its BatchSize and deletes them in one call; one invocation per batch runs the tasks one after the
 * other; per task the ledger takes one conditional update (which is also what keeps a redelivered
 * task from being recorded twice: the worker keeps no idempotency store).
 */
const WORKER_POOL_WRITES_PER_TASK: Readonly<Record<string, number>> = { LEDGER_TABLE_NAME: 1 };

const path: PathModel = {
  message: 'task sent to the work queue',
  description: 'SendMessageBatch of 10; ESM receive + delete per batch; one invocation per batch; one conditional ledger write per task',
  estimate: (view, a) => {
    const sqsMappings = view.eventSourceMappings().filter((m) => m.sourceType === 'AWS::SQS::Queue');
    if (sqsMappings.length !== 1) throw new Error(`the worker-pool model needs one SQS event-source mapping, but ${sqsMappings.length} were found`);
    const mapping = sqsMappings[0]!;
    const worker = view.function(mapping.functionId);
    const batches = MILLION / mapping.batchSize;
    return {
      items: [
        item(`${mapping.sourceId}: SendMessageBatch, ${BATCH_API_ENTRIES} per call`, chunkedRequests(MILLION / BATCH_API_ENTRIES, BATCH_API_ENTRIES, a.messageBytes, SQS_CHUNK_BYTES), 'sqs.requests'),
        ...sqsPollerItems(mapping.sourceId, MILLION, mapping.batchSize, a),
        ...invocationItems(worker, batches, mapping.batchSize * a.workerPoolTaskMs, a),
        ...tableWriteItems(worker, view, MILLION, WORKER_POOL_WRITES_PER_TASK, 'task'),
      ],
      assumptions: [
        `${a.messageBytes} B per task message`,
        `full batches of ${mapping.batchSize} (the mapping's BatchSize)`,
        `${a.workerPoolTaskMs} ms per task, tasks of a batch run one after the other`,
        'no retries: every task succeeds on its first delivery',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The worker-pool module's lab (registered in lib/modules.ts). */
export const workerPoolLab: ModuleLab<WorkerPoolOutput> = { main, cost: { path, idleTargetPerHour: NEAR_FREE_IDLE_TARGET_PER_HOUR } };
