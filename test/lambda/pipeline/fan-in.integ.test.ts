import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { countPrimes, processSubtask, type FanInPort, type WorkerContext } from '../../../lambda/pipeline/core';
import { dynamoFanIn, putJob } from '../../../lambda/pipeline/store';
import { planSubtasks } from '../../../lambda/pipeline/ventilator-core';
import { localClientConfig, startEmulators, type RunningEmulators } from '../../../labs/targets/local/emulators';

/**
 * The fan-in against DynamoDB Local: the real TransactWriteItems and condition expressions, with
 * workers racing as concurrent Lambda invocations would.
 */
jest.setTimeout(120_000);

let emulators: RunningEmulators;
let client: DynamoDBDocumentClient;
let fanIn: FanInPort;
const tables = { jobsTableName: 'jobs', resultsTableName: 'results', ttlSeconds: 3600 };

beforeAll(async () => {
  emulators = await startEmulators(['dynamodb']);
  const raw = new DynamoDBClient(localClientConfig(emulators.endpoints.dynamodb!));
  await raw.send(
    new CreateTableCommand({
      TableName: tables.jobsTableName,
      KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'jobId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await raw.send(
    new CreateTableCommand({
      TableName: tables.resultsTableName,
      KeySchema: [
        { AttributeName: 'jobId', KeyType: 'HASH' },
        { AttributeName: 'subtaskId', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'jobId', AttributeType: 'S' },
        { AttributeName: 'subtaskId', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client = DynamoDBDocumentClient.from(raw);
  fanIn = dynamoFanIn(client, tables);
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

function worker(requestId: string): WorkerContext {
  return { requestId, now: () => new Date(), sleep: (ms) => sleep(ms).then(() => undefined), random: Math.random };
}

async function startedJob(subtasks: number, rangeEnd: number) {
  const jobId = randomUUID();
  await putJob(client, tables.jobsTableName, {
    jobId,
    status: 'RUNNING',
    subtasks,
    completed: 0,
    primes: 0,
    rangeEnd,
    createdAt: new Date().toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  return { jobId, messages: planSubtasks(jobId, { subtasks, rangeEnd }) };
}

async function jobItem(jobId: string): Promise<Record<string, unknown> | undefined> {
  return (await client.send(new GetCommand({ TableName: tables.jobsTableName, Key: { jobId }, ConsistentRead: true }))).Item;
}

test('workers completing all subtasks at once count each once and finalize exactly once', async () => {
  // GIVEN
  const { jobId, messages } = await startedJob(20, 200_000);
  // WHEN every subtask runs concurrently, each delivered twice
  const outcomes = await Promise.all(
    [...messages, ...messages].map((message, i) => processSubtask(message, fanIn, worker(`req-${i}`))),
  );
  // THEN
  expect(outcomes.filter((o) => o.record === 'recorded')).toHaveLength(20);
  expect(outcomes.filter((o) => o.record === 'duplicate')).toHaveLength(20);
  const winners = outcomes.filter((o) => o.finalized);
  expect(winners).toHaveLength(1);
  const job = await jobItem(jobId);
  expect(job).toMatchObject({ status: 'COMPLETED', completed: 20, primes: 17_984, result: 17_984 });
  expect(countPrimes(0, 200_000)).toBe(17_984);
  const results = await client.send(
    new QueryCommand({ TableName: tables.resultsTableName, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId } }),
  );
  expect(results.Items?.map((item) => item['subtaskId'])).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('a redelivery after completion changes nothing', async () => {
  // GIVEN a completed job
  const { jobId, messages } = await startedJob(3, 3000);
  for (const message of messages) await processSubtask(message, fanIn, worker('first'));
  const before = await jobItem(jobId);
  // WHEN
  const outcome = await processSubtask(messages[0]!, fanIn, worker('late-redelivery'));
  // THEN
  expect(outcome).toMatchObject({ record: 'duplicate', finalized: false });
  expect(await jobItem(jobId)).toEqual(before);
});

test('a crash between the transaction and the finalize is repaired by the redelivery', async () => {
  // GIVEN the last subtask's first delivery dies after recording
  const { jobId, messages } = await startedJob(2, 2000);
  await processSubtask(messages[0]!, fanIn, worker('first'));
  const dying: FanInPort = { recordResult: (r) => fanIn.recordResult(r), finalizeJob: () => Promise.reject(new Error('Task timed out')) };
  await expect(processSubtask(messages[1]!, dying, worker('crashed'))).rejects.toThrow(/Task timed out/);
  expect(await jobItem(jobId)).toMatchObject({ status: 'RUNNING', completed: 2 });
  // WHEN
  const outcome = await processSubtask(messages[1]!, fanIn, worker('retry'));
  // THEN
  expect(outcome).toMatchObject({ record: 'duplicate', finalized: true });
  expect(await jobItem(jobId)).toMatchObject({ status: 'COMPLETED', completed: 2, result: countPrimes(0, 2000), finalizedBy: 'retry' });
});

test('a subtask of an unknown job fails and writes no result', async () => {
  const [message] = planSubtasks(randomUUID(), { subtasks: 1, rangeEnd: 10 });
  await expect(processSubtask(message!, fanIn, worker('w'))).rejects.toThrow(/was refused by the job/);
  const results = await client.send(
    new QueryCommand({ TableName: tables.resultsTableName, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': message!.jobId } }),
  );
  expect(results.Items).toEqual([]);
});
