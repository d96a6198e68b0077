import { randomUUID } from 'node:crypto';
import { GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { PipelineOutput } from '../../lib/stacks/pipeline-stack';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { JobStartedSchema, type JobRequest } from '../../lambda/pipeline/messages';
import { parseMessage } from '../../lambda/shared/messages';
import { textOutput } from './outputs';
import { pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface PipelineOptions {
  readonly subtasks: number;
  /** The job counts the primes below this number. */
  readonly rangeEnd: number;
  /** @default 120 s */
  readonly timeoutMs?: number;
}

/**
 * The number of primes below `n`, by the sieve of Eratosthenes: the lab's own answer, computed
 * independently of the workers, that the pipeline's aggregate must match.
 */
export function countPrimesBelow(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, but ${n} was provided`);
  if (n < 3) return 0;
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

export interface PipelineObservations {
  readonly jobId: string;
  readonly subtasks: number;
  readonly rangeEnd: number;
  /** SNS PublishBatch calls the ventilator made (10 subtasks per call at best). */
  readonly publishCalls: number;
  readonly status: string;
  readonly completed: number;
  /** Items in the results table for the job: one per subtask when fan-in counted each once. */
  readonly resultItems: number;
  /** The job's aggregate; null until the job is finalized. */
  readonly result: number | null;
  readonly expectedResult: number;
  /** Invoke to return: the ventilator split the job and published every subtask. */
  readonly fanOutMs: number;
  /** Return to finalization observed: the workers ran and fan-in closed the job. */
  readonly fanInMs: number;
  readonly totalMs: number;
  readonly timedOut: boolean;
}

export function pipelineVerdict(o: Pick<PipelineObservations, 'status' | 'subtasks' | 'completed' | 'resultItems' | 'result' | 'expectedResult' | 'timedOut'>): Verdict {
  const failures: string[] = [];
  if (o.status !== 'COMPLETED') {
    failures.push(`the job is ${o.status}${o.timedOut ? ' when the wait ended' : ''}, expected COMPLETED`);
  }
  if (o.completed !== o.subtasks) failures.push(`fan-in counted ${o.completed} of ${o.subtasks} subtasks`);
  if (o.resultItems !== o.subtasks) failures.push(`the results table holds ${o.resultItems} results for ${o.subtasks} subtasks`);
  if (o.status === 'COMPLETED' && o.result !== o.expectedResult) {
    failures.push(`the aggregate is ${o.result ?? 'missing'}, expected ${o.expectedResult}`);
  }
  return verdictOf(failures);
}

export async function runPipeline(session: TargetSession<PipelineOutput>, options: PipelineOptions, ui: Ui): Promise<PipelineObservations> {
  const ventilator = textOutput(session, 'VentilatorFunctionName');
  const jobsTable = textOutput(session, 'JobsTableName');
  const resultsTable = textOutput(session, 'ResultsTableName');
  const expectedResult = countPrimesBelow(options.rangeEnd);

  ui.log(`starting a job of ${options.subtasks} subtasks: count the primes below ${options.rangeEnd}`);
  const started = Date.now();
  // The client token of this job request: a retry of the same request gets this job back, not a second one.
  const request: JobRequest = { requestId: randomUUID(), subtasks: options.subtasks, rangeEnd: options.rangeEnd };
  const job = parseMessage(await session.clients.lambda.invoke(ventilator, request), JobStartedSchema, 'ventilator response');
  const published = Date.now();
  ui.log(`job ${job.jobId}: ${job.subtasks} subtasks published in ${job.publishCalls} PublishBatch call(s)`);

  const progress = ui.progress('subtasks', job.subtasks);
  const { state, timedOut } = await pollUntil({
    timeoutMs: options.timeoutMs ?? 120_000,
    intervalMs: 250,
    poll: async () => {
      const response = await session.clients.dynamodb.send(new GetCommand({ TableName: jobsTable, Key: { jobId: job.jobId }, ConsistentRead: true }));
      return response.Item ?? {};
    },
    done: (item) => item.status === 'COMPLETED',
    onState: (item) => progress.update(Number(item.completed ?? 0), String(item.status ?? 'PENDING')),
  });
  const finished = Date.now();
  progress.stop();

  return {
    jobId: job.jobId,
    subtasks: job.subtasks,
    rangeEnd: job.rangeEnd,
    publishCalls: job.publishCalls,
    status: String(state.status ?? 'MISSING'),
    completed: Number(state.completed ?? 0),
    resultItems: await countResults(session, resultsTable, job.jobId),
    result: typeof state.result === 'number' ? state.result : null,
    expectedResult,
    fanOutMs: published - started,
    fanInMs: finished - published,
    totalMs: finished - started,
    timedOut,
  };
}

async function countResults(session: TargetSession<PipelineOutput>, tableName: string, jobId: string): Promise<number> {
  let count = 0;
  const pages = paginateQuery(
    { client: session.clients.dynamodb },
    { TableName: tableName, KeyConditionExpression: 'jobId = :jobId', ExpressionAttributeValues: { ':jobId': jobId }, Select: 'COUNT', ConsistentRead: true },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}
