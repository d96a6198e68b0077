import { processSubtask, type FanInPort, type FinalizeOutcome, type RecordOutcome } from '../lambda/pipeline/core';
import { MAX_SUBTASKS } from '../lambda/pipeline/messages';
import { startJob, type VentilatorPorts } from '../lambda/pipeline/ventilator-core';
import { processShardBatch, type CheckpointPort } from '../lambda/stream/core';
import { performTask, type WorkerPorts } from '../lambda/worker-pool/core';
import { taskSchema, type WorkerTask } from '../lambda/worker-pool/messages';
import { makeEvents } from '../labs/scenarios/stream';
import { makeTasks } from '../labs/scenarios/worker-pool';
import { elapsedMs, median, sample } from './stats';

/**
 * Throughput of each handler's pure core in-process, its I/O ports answered in memory at once: what
 * a handler costs besides its calls to AWS. Target: 10,000 records/s, ten times what one Kinesis
 * shard accepts.
 */

export const MIN_RECORDS_PER_SECOND = 10_000;

export interface HandlerFigure {
  readonly name: string;
  /** What one record is, and what the core does with it. */
  readonly work: string;
  readonly records: number;
  /** Median over the runs. */
  readonly recordsPerSecond: number;
  readonly runs: number;
  readonly meets: boolean;
}

interface CoreBench {
  readonly name: string;
  readonly work: string;
  /** Builds the input for `records` records; the returned function processes all of them once. */
  prepare(records: number): () => Promise<void>;
}

const noSleep = (): Promise<void> => Promise.resolve();

function workerPorts(): WorkerPorts {
  return {
    sleep: noSleep,
    now: () => new Date(),
    crashEnvironment: (reason) => {
      throw new Error(`no task of the benchmark crashes: ${reason}`);
    },
    recordCompletion: () => Promise.resolve('recorded'),
  };
}

function workerTasks(records: number): WorkerTask[] {
  return makeTasks('bench', { tasks: records, workMs: 0, poison: 0, crash: false });
}

/** The checkpoint table's conditional update, in memory: a run applies only past the checkpoint. */
function memoryCheckpoints(): CheckpointPort {
  const checkpoints = new Map<string, string>();
  return {
    appendRun: (key, run) => {
      const id = `${key.consumer}/${key.shardId}#${key.partitionKey}`;
      const last = checkpoints.get(id);
      if (last !== undefined && last >= run.firstSequenceNumber) return Promise.resolve({ applied: false, lastSequenceNumber: last });
      checkpoints.set(id, run.lastSequenceNumber);
      return Promise.resolve({ applied: true });
    },
    addOrderViolations: () => Promise.resolve(),
  };
}

/** The fan-in's two conditional writes, in memory. */
function memoryFanIn(): FanInPort {
  const completed = new Map<string, number>();
  const results = new Set<string>();
  return {
    recordResult: (result): Promise<RecordOutcome> => {
      const key = `${result.jobId}#${result.subtaskId}`;
      if (results.has(key)) return Promise.resolve('duplicate');
      results.add(key);
      completed.set(result.jobId, (completed.get(result.jobId) ?? 0) + 1);
      return Promise.resolve('recorded');
    },
    finalizeJob: (): Promise<FinalizeOutcome> => Promise.resolve('not-final'),
  };
}

export const CORE_BENCHES: readonly CoreBench[] = [
  {
    name: 'worker-pool core',
    work: 'performTask, workMs 0, ledger write answered at once',
    prepare: (records) => {
      const tasks = workerTasks(records);
      const ports = workerPorts();
      return async () => {
        for (const task of tasks) await performTask(task, { workerId: 'bench', receiveCount: 1 }, ports);
      };
    },
  },
  {
    name: 'worker-pool body + core',
    work: 'JSON body validated by the task schema, then performTask',
    prepare: (records) => {
      const bodies = workerTasks(records).map((t) => JSON.stringify(t));
      const schema = taskSchema(10_000);
      const ports = workerPorts();
      return async () => {
        for (const body of bodies) await performTask(schema.parse(JSON.parse(body)), { workerId: 'bench', receiveCount: 1 }, ports);
      };
    },
  },
  {
    name: 'stream consumer core',
    work: 'processShardBatch over batches of 100 records of 5 keys: decode, validate, one checkpoint decision per key run',
    prepare: (records) => {
      const batchSize = 100;
      const events = makeEvents('bench', { records, users: 5 });
      const data = events.map((e) => ({ partitionKey: e.userId, data: Buffer.from(JSON.stringify(e)).toString('base64') }));
      let base = 0n;
      return async () => {
        // Fresh sequence numbers per pass, so every run is new to the checkpoint, as live traffic is.
        const port = memoryCheckpoints();
        base += 10n ** 20n;
        for (let start = 0; start < data.length; start += batchSize) {
          const records = data.slice(start, start + batchSize).map((d, i) => ({ sequenceNumber: String(base + BigInt(start + i)), ...d }));
          await processShardBatch({ consumer: 'bench', shardId: 'shardId-000000000000', records }, port);
        }
      };
    },
  },
  {
    name: 'pipeline fan-in core',
    work: 'processSubtask of 100 numbers: count primes, record once, try to finalize',
    prepare: (records) => {
      const subtasks = Math.min(records, MAX_SUBTASKS);
      const messages = Array.from({ length: records }, (_, i) => ({
        jobId: `00000000-0000-4000-8000-${String(Math.floor(i / subtasks)).padStart(12, '0')}`,
        subtaskId: i % subtasks,
        subtasks,
        from: (i % subtasks) * 100,
        to: (i % subtasks) * 100 + 100,
      }));
      const context = { requestId: 'bench', now: () => new Date(), sleep: noSleep, random: () => 0 };
      return async () => {
        const port = memoryFanIn();
        for (const message of messages) await processSubtask(message, port, context);
      };
    },
  },
  {
    name: 'pipeline ventilator core',
    work: 'startJob: split the range, plan and publish subtasks 10 per batch (publish answered at once)',
    prepare: (records) => {
      const jobs = Math.ceil(records / MAX_SUBTASKS);
      const ports: VentilatorPorts = {
        newJobId: () => '00000000-0000-4000-8000-000000000000',
        now: () => new Date(),
        putJob: () => Promise.resolve(),
        publishBatch: () => Promise.resolve([]),
      };
      return async () => {
        for (let job = 0; job < jobs; job++) {
          const subtasks = Math.min(MAX_SUBTASKS, records - job * MAX_SUBTASKS);
          await startJob({ subtasks, rangeEnd: 1_000_000 }, ports, { ttlSeconds: 3600 });
        }
      };
    },
  },
];

export interface HandlerOptions {
  /** Records per run. */
  readonly records: number;
  /** Timed runs (after one warm-up run). */
  readonly runs: number;
}

export async function measureHandlers(options: HandlerOptions): Promise<HandlerFigure[]> {
  const figures: HandlerFigure[] = [];
  for (const bench of CORE_BENCHES) {
    const run = bench.prepare(options.records);
    // Warm-up: the JIT and the schema caches settle before anything is timed.
    await run();
    const rates = await sample(options.runs, async () => options.records / ((await elapsedMs(run)) / 1000));
    const recordsPerSecond = Math.round(median(rates));
    figures.push({
      name: bench.name,
      work: bench.work,
      records: options.records,
      recordsPerSecond,
      runs: options.runs,
      meets: recordsPerSecond >= MIN_RECORDS_PER_SECOND,
    });
  }
  return figures;
}
