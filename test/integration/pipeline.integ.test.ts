import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { receiveAll, useLocalCloud, waitUntil } from './local-cloud';

// Asynchronous retries after 200 ms instead of the runtime's seconds: the failing job's three attempts end quickly.
const cloud = useLocalCloud('pipeline', { asyncRetryDelaysMs: [200, 200] });

interface JobStarted {
  readonly jobId: string;
  readonly subtasks: number;
}

interface Job {
  readonly jobId: string;
  readonly status: string;
  readonly subtasks: number;
  readonly completed: number;
  readonly result?: number;
  readonly finalizedBy?: string;
}

interface SubtaskResult {
  readonly jobId: string;
  readonly subtaskId: number;
  readonly from: number;
  readonly to: number;
  readonly primes: number;
  readonly completedBy: string;
}

/** Primes below `end`, by the plain sieve of Eratosthenes: independent of the worker's segmented sieve. */
function primesBelow(end: number): number {
  const composite = new Uint8Array(end);
  let count = 0;
  for (let n = 2; n < end; n++) {
    if (composite[n] === 1) continue;
    count++;
    for (let multiple = n * n; multiple < end; multiple += n) composite[multiple] = 1;
  }
  return count;
}

/** Invokes the ventilator synchronously, with a fresh client token, as the lab does. */
async function startJob(request: object): Promise<JobStarted> {
  const { clients, outputs } = cloud();
  return (await clients.lambda.invoke(outputs.VentilatorFunctionName, { requestId: randomUUID(), ...request })) as JobStarted;
}

async function jobOf(jobId: string): Promise<Job> {
  const { clients, outputs } = cloud();
  const { Item } = await clients.dynamodb.send(new GetCommand({ TableName: outputs.JobsTableName, Key: { jobId }, ConsistentRead: true }));
  return Item as Job;
}

async function resultsOf(jobId: string): Promise<SubtaskResult[]> {
  const { clients, outputs } = cloud();
  const { Items = [] } = await clients.dynamodb.send(
    new QueryCommand({
      TableName: outputs.ResultsTableName,
      KeyConditionExpression: 'jobId = :jobId',
      ExpressionAttributeValues: { ':jobId': jobId },
      ConsistentRead: true,
    }),
  );
  return Items as SubtaskResult[];
}

describe('a job of 10 subtasks', () => {
  const subtasks = 10;
  const rangeEnd = 200_000;
  let started: JobStarted;
  let completed: Job;

  beforeAll(async () => {
    started = await startJob({ subtasks, rangeEnd });
    completed = await waitUntil('the job to complete', () => jobOf(started.jobId), (job) => job.status === 'COMPLETED');
  });

  test('completes once with the prime count of the whole range and one result per subtask', async () => {
    expect(completed).toMatchObject({ status: 'COMPLETED', subtasks, completed: subtasks, result: primesBelow(rangeEnd) });
    expect(completed.finalizedBy).toEqual(expect.any(String));
    const results = await resultsOf(started.jobId);
    expect(results.map((result) => result.subtaskId).sort((a, b) => a - b)).toEqual([...Array(subtasks).keys()]);
  });

  test('a subtask delivered again changes neither the aggregate nor who finalized the job', async () => {
    // GIVEN the completed job and one subtask's result
    const { clients, outputs, runtime, deployment } = cloud();
    const [result] = await resultsOf(started.jobId);
    if (result === undefined) throw new Error('the job has no results');
    // The stack does not output the worker's name: the lab only sees its effects.
    const workerName = deployment.functions.find((fn) => fn.logicalId.startsWith('JobPipelineWorker'))?.functionName;
    if (workerName === undefined) throw new Error(`no worker function in ${deployment.functions.map((fn) => fn.logicalId).join(', ')}`);
    const before = runtime.stats(workerName);

    // WHEN that subtask's message is published to the topic once more
    const duplicate = { jobId: result.jobId, subtaskId: result.subtaskId, subtasks, from: result.from, to: result.to };
    await clients.sns.send(new PublishCommand({ TopicArn: outputs.SubtaskTopicArn, Message: JSON.stringify(duplicate) }));

    // THEN a worker processes it (and succeeds), and the job and the result are unchanged
    await waitUntil(
      'the duplicate to be processed',
      async () => runtime.stats(workerName),
      (stats) => stats.invocations > before.invocations && stats.concurrent === 0,
    );
    expect(runtime.stats(workerName)).toMatchObject({ invocations: before.invocations + 1, errors: before.errors });
    expect(await jobOf(started.jobId)).toEqual(completed);
    expect((await resultsOf(started.jobId)).find((item) => item.subtaskId === result.subtaskId)).toEqual(result);
  });
});

test('a subtask that fails every attempt ends in the dead-letter queue after three attempts; the job stays RUNNING', async () => {
  // GIVEN a job whose subtask 2 of 4 fails on every attempt
  const { clients, outputs, runtime } = cloud();
  const subtasks = 4;
  const started = await startJob({ subtasks, rangeEnd: 20_000, failSubtasks: [2] });

  // WHEN its retries are exhausted
  const [deadLetter] = await receiveAll(clients.sqs, outputs.DeadLetterQueueUrl, 1);

  // THEN the dead letter is subtask 2's SNS event, after three attempts, and the job is stuck one short
  const event = JSON.parse(deadLetter?.Body ?? '{}') as { Records: { Sns: { Message: string } }[] };
  expect(JSON.parse(event.Records[0]?.Sns.Message ?? '{}')).toMatchObject({ jobId: started.jobId, subtaskId: 2, fail: true });
  // Each failed attempt logs its error once, under its own request id.
  const failedAttempts = new Set(
    runtime
      .logs()
      .filter((entry) => entry.line.includes(`subtask 2 of job ${started.jobId} is marked to fail`))
      .map((entry) => /"requestId":"([^"]+)"/.exec(entry.line)?.[1] ?? entry.line),
  );
  expect(failedAttempts.size).toBe(3);
  const job = await waitUntil('the other subtasks to be counted', () => jobOf(started.jobId), (item) => item.completed === subtasks - 1);
  expect(job).toMatchObject({ status: 'RUNNING', completed: subtasks - 1 });
  expect(job.finalizedBy).toBeUndefined();
});
