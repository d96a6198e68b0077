import { LEDGER_TABLE_NAME } from './handler-env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/worker-pool/handler';

const LEDGER = LEDGER_TABLE_NAME;

const ledgerClient = mockClient(DynamoDBDocumentClient);

type LedgerEntry = Record<string, unknown>;

/** Enough of DynamoDB for the ledger: its conditional update, and the unconditional count of suppressed redeliveries. */
function installFakeLedger(): Map<string, LedgerEntry> {
  const ledger = new Map<string, LedgerEntry>();
  ledgerClient.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    expect(input.TableName).toBe(LEDGER);
    const taskId = String(input.Key!['taskId']);
    const existing = ledger.get(taskId);
    const values = input.ExpressionAttributeValues!;
    if (input.ConditionExpression !== undefined) {
      expect(input.ConditionExpression).toBe('attribute_not_exists(completions)');
      if (existing?.['completions'] !== undefined) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      ledger.set(taskId, {
        ...existing,
        taskId,
        runId: values[':runId'],
        workerId: values[':workerId'],
        attempts: values[':attempts'],
        completedAt: values[':completedAt'],
        expiresAt: values[':expiresAt'],
        completions: Number(existing?.['completions'] ?? 0) + Number(values[':one']),
      });
    } else {
      expect(input.UpdateExpression).toBe('ADD suppressedRedeliveries :one');
      ledger.set(taskId, { ...existing, suppressedRedeliveries: Number(existing?.['suppressedRedeliveries'] ?? 0) + 1 });
    }
    return {};
  });
  return ledger;
}

function sqsRecord(messageId: string, body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1767225600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1767225600001',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:LabWorkerPool-WorkQueue',
    awsRegion: 'us-east-1',
  };
}

function lambdaContext(logStreamName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'LabWorkerPool-Worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:LabWorkerPool-Worker',
    memoryLimitInMB: '256',
    awsRequestId: `request-${logStreamName}`,
    logGroupName: '/aws/lambda/LabWorkerPool-Worker',
    logStreamName,
    getRemainingTimeInMillis: () => 5000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const task = (taskId: string, extra: Record<string, unknown> = {}) => ({ runId: 'run-1', taskId, workMs: 2, ...extra });
const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

let ledger: Map<string, LedgerEntry>;

beforeEach(() => {
  ledgerClient.reset();
  ledger = installFakeLedger();
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

describe('worker-pool handler', () => {
  test('fails only the malformed and poison records of a batch, and records the valid ones once', async () => {
    // GIVEN
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-valid', task('t-1')),
        sqsRecord('m-not-json', '{"runId": "run-1", '),
        sqsRecord('m-no-task-id', { runId: 'run-1', workMs: 2 }),
        sqsRecord('m-too-long', task('t-2', { workMs: 21 })),
        sqsRecord('m-poison', task('t-3', { poison: true })),
        sqsRecord('m-valid-2', task('t-4'), 2),
      ],
    };
    // WHEN
    const response = await handler(event, lambdaContext('2026/03/01/[$LATEST]worker-a'));
    // THEN
    expect(failedIds(response)).toEqual(['m-not-json', 'm-no-task-id', 'm-too-long', 'm-poison']);
    expect([...ledger.keys()].sort()).toEqual(['t-1', 't-4']);
    expect(ledger.get('t-1')).toMatchObject({ runId: 'run-1', workerId: '2026/03/01/[$LATEST]worker-a', attempts: 1, completions: 1 });
    expect(ledger.get('t-4')).toMatchObject({ attempts: 2, completions: 1 });
  });

  test('logs an invalid body with the field that failed', async () => {
    await handler({ Records: [sqsRecord('m-bad', task('t-1', { workMs: 'slow' }))] }, lambdaContext('stream-a'));
    const logged = jest.mocked(console.error).mock.calls.map((args) => String(args[0]));
    expect(logged).toEqual([expect.stringMatching(/task failed.*m-bad.*body\.workMs/s)]);
  });

  test('records a redelivered, already completed task once, counting the redelivery as suppressed', async () => {
    // GIVEN the task completed on worker a
    expect(failedIds(await handler({ Records: [sqsRecord('m-1', task('t-1'))] }, lambdaContext('stream-a')))).toEqual([]);
    // WHEN the same task arrives again at worker b
    const response = await handler({ Records: [sqsRecord('m-1', task('t-1'), 2)] }, lambdaContext('stream-b'));
    // THEN it succeeds, and the conditional write keeps the first completion as the only one
    expect(failedIds(response)).toEqual([]);
    expect(ledger.get('t-1')).toMatchObject({ workerId: 'stream-a', attempts: 1, completions: 1, suppressedRedeliveries: 1 });
  });

  test('records a task once when two workers complete it at the same time', async () => {
    // WHEN two environments process deliveries of the same task concurrently
    const responses = await Promise.all([
      handler({ Records: [sqsRecord('m-1', task('t-1'))] }, lambdaContext('stream-a')),
      handler({ Records: [sqsRecord('m-1', task('t-1'), 2)] }, lambdaContext('stream-b')),
    ]);
    // THEN both succeed and exactly one completion is recorded
    expect(responses.map(failedIds)).toEqual([[], []]);
    expect(ledger.get('t-1')).toMatchObject({ completions: 1, suppressedRedeliveries: 1 });
  });

  test('ends the environment on the first delivery of a crash task, and completes it on the next', async () => {
    // GIVEN process.exit is intercepted (it would end the test runner)
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)})`);
    });
    // WHEN the first delivery arrives
    const first = await handler({ Records: [sqsRecord('m-crash', task('t-9', { crash: true }))] }, lambdaContext('stream-a'));
    // THEN the environment was ended before anything was recorded
    expect(exit).toHaveBeenCalledWith(1);
    expect(failedIds(first)).toEqual(['m-crash']);
    expect(ledger.size).toBe(0);
    // WHEN another environment receives it again
    const second = await handler({ Records: [sqsRecord('m-crash', task('t-9', { crash: true }), 2)] }, lambdaContext('stream-b'));
    // THEN it completes there, after two deliveries
    expect(failedIds(second)).toEqual([]);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(ledger.get('t-9')).toMatchObject({ workerId: 'stream-b', attempts: 2, completions: 1 });
  });

  test('fails a poison task on every delivery', async () => {
    for (const receiveCount of [1, 2, 3]) {
      const response = await handler({ Records: [sqsRecord('m-p', task('t-p', { poison: true }), receiveCount)] }, lambdaContext('s'));
      expect(failedIds(response)).toEqual(['m-p']);
    }
    expect(ledger.size).toBe(0);
  });

  test('reports every record of a batch that fails entirely instead of throwing', async () => {
    const response = await handler(
      { Records: [sqsRecord('a', task('x', { poison: true })), sqsRecord('b', 'not json')] },
      lambdaContext('s'),
    );
    expect(failedIds(response)).toEqual(['a', 'b']);
  });
});
