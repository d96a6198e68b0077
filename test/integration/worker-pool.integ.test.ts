import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handlerLogs, queueDepth, receiveAll, scanAll, sendAll, useLocalCloud, waitUntil } from './local-cloud';

// A 2 s worker timeout makes the visibility timeout 12 s (six times), so a crashed task comes back
// after 12 s and a poison task is dead-lettered after its second failed delivery, around 24 s.
const cloud = useLocalCloud('worker-pool', {
  context: { workerTimeoutSeconds: 2, maxReceiveCount: 2, workerBatchSize: 2 },
});

interface Task {
  readonly runId: string;
  readonly taskId: string;
  readonly workMs: number;
  readonly poison?: boolean;
  readonly crash?: boolean;
}

interface LedgerItem {
  readonly taskId: string;
  readonly runId: string;
  readonly workerId: string;
  readonly attempts: number;
  readonly completions: number;
}

const runId = `integ-${Date.now()}`;
const tasks: Task[] = Array.from({ length: 30 }, (_, n) => ({ runId, taskId: `${runId}-${n}`, workMs: 20 }));
const poison: Task = { runId, taskId: `${runId}-poison`, workMs: 10, poison: true };
const crash: Task = { runId, taskId: `${runId}-crash`, workMs: 40, crash: true };

const ledgerOfRun = async (): Promise<LedgerItem[]> => {
  const { clients, outputs } = cloud();
  const items = await scanAll<LedgerItem>(clients.dynamodb, outputs.LedgerTableName);
  return items.filter((item) => item.runId === runId);
};

beforeAll(async () => {
  // GIVEN the stack's settings, as the lab reads them
  const { outputs, clients } = cloud();
  expect(outputs).toMatchObject({ WorkerPoolSize: '3', MaxReceiveCount: '2', VisibilityTimeoutSeconds: '12' });

  // WHEN 30 tasks, one poison task and one crashing task are sent to the work queue
  await sendAll(clients.sqs, outputs.WorkQueueUrl, [...tasks, poison, crash]);
});

test('every task is processed exactly once, across several environments, never more than the pool size at once', async () => {
  const session = cloud();
  const ids = new Set(tasks.map((task) => task.taskId));
  const ledger = await waitUntil(
    'every task in the ledger',
    async () => (await ledgerOfRun()).filter((item) => ids.has(item.taskId)),
    (items) => items.length === tasks.length,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${handlerLogs(session, session.outputs.WorkerFunctionName)}`);
  });

  expect(ledger.map((item) => item.taskId).sort()).toEqual([...ids].sort());
  expect(ledger.filter((item) => item.completions !== 1)).toEqual([]);
  const workers = new Set(ledger.map((item) => item.workerId));
  expect(workers.size).toBeGreaterThan(1);
  const stats = session.runtime.stats(session.outputs.WorkerFunctionName);
  expect(stats.maxConcurrent).toBeGreaterThan(1);
  expect(stats.maxConcurrent).toBeLessThanOrEqual(Number(session.outputs.WorkerPoolSize));
});

test("a crashed worker's task comes back after the visibility timeout and another environment completes it once", async () => {
  const session = cloud();
  const completed = await waitUntil(
    'the crashed task in the ledger',
    async () => (await ledgerOfRun()).find((item) => item.taskId === crash.taskId),
    (item) => item !== undefined,
    { timeoutMs: 40_000 },
  );
  const crashedIn = session.runtime
    .logs(session.outputs.WorkerFunctionName)
    .filter((entry) => entry.line.includes('ending the execution environment') && entry.line.includes(crash.taskId))
    .map((entry) => entry.logStreamName);

  expect(crashedIn).toHaveLength(1);
  expect(completed).toMatchObject({ attempts: 2, completions: 1 });
  expect(completed?.workerId).not.toBe(crashedIn[0]);
});

test('a poison task ends in the dead-letter queue after maxReceiveCount deliveries and never in the ledger', async () => {
  const { clients, outputs, runtime } = cloud();
  const [message] = await receiveAll(clients.sqs, outputs.DeadLetterQueueUrl, 1, { timeoutMs: 60_000 });

  expect(JSON.parse(message?.Body ?? '{}')).toEqual(poison);
  const deliveries = runtime
    .logs(outputs.WorkerFunctionName)
    .flatMap((entry) => new RegExp(`${poison.taskId} is poison.*delivery (\\d+)`).exec(entry.line)?.[1] ?? []);
  expect(deliveries).toEqual(['1', '2']);
  expect((await ledgerOfRun()).find((item) => item.taskId === poison.taskId)).toBeUndefined();
});

test('a duplicate delivery of a completed task changes nothing in the ledger', async () => {
  // GIVEN a completed task
  const { clients, outputs, runtime } = cloud();
  const task = tasks[0] as Task;
  const key = { TableName: outputs.LedgerTableName, Key: { taskId: task.taskId }, ConsistentRead: true };
  const before = (await clients.dynamodb.send(new GetCommand(key))).Item;
  expect(before).toMatchObject({ completions: 1 });
  const invocationsBefore = runtime.stats(outputs.WorkerFunctionName).invocations;

  // WHEN the same task is sent again
  await sendAll(clients.sqs, outputs.WorkQueueUrl, [task]);

  // THEN a worker takes it and deletes it, and the task's completion is still the first one, counted once
  await waitUntil(
    'the duplicate to be processed and deleted',
    async () => ({ depth: await queueDepth(clients.sqs, outputs.WorkQueueUrl), invocations: runtime.stats(outputs.WorkerFunctionName).invocations }),
    ({ depth, invocations }) => depth === 0 && invocations > invocationsBefore,
  );
  const after = (await clients.dynamodb.send(new GetCommand(key))).Item;
  const completion = (item: typeof before) => ({
    completions: item?.completions,
    workerId: item?.workerId,
    attempts: item?.attempts,
    completedAt: item?.completedAt,
  });
  expect(completion(after)).toEqual(completion(before));
});
