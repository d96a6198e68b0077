import { ConditionalCheckFailedException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import type { SubtaskResult } from '../../../lambda/pipeline/core';
import { dynamoFanIn, putJob } from '../../../lambda/pipeline/store';

const dynamo = mockClient(DynamoDBDocumentClient);
const tables = { jobsTableName: 'jobs', resultsTableName: 'results', ttlSeconds: 86_400 };
const JOB_ID = '9d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a';
const result: SubtaskResult = {
  jobId: JOB_ID,
  subtaskId: 3,
  from: 300,
  to: 400,
  primes: 16,
  completedAt: '2026-01-01T00:00:00.000Z',
  completedBy: 'req-1',
};

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => dynamo.reset());

describe('recordResult', () => {
  test('puts the result if absent and counts it in the RUNNING job, in ONE transaction', async () => {
    // GIVEN
    dynamo.on(TransactWriteCommand).resolves({});
    // WHEN
    const outcome = await dynamoFanIn(createDocumentClient(), tables).recordResult(result);
    // THEN
    expect(outcome).toBe('recorded');
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Put: {
            TableName: 'results',
            Item: { ...result, expiresAt: Date.parse('2026-01-02T00:00:00.000Z') / 1000 },
            ConditionExpression: 'attribute_not_exists(subtaskId)',
          },
        },
        {
          Update: {
            TableName: 'jobs',
            Key: { jobId: JOB_ID },
            UpdateExpression: 'ADD #completed :one, #primes :primes',
            ConditionExpression: '#status = :running AND #completed < #subtasks',
            ExpressionAttributeNames: { '#completed': 'completed', '#primes': 'primes', '#status': 'status', '#subtasks': 'subtasks' },
            ExpressionAttributeValues: { ':one': 1, ':primes': 16, ':running': 'RUNNING' },
          },
        },
      ],
    });
  });

  test.each([
    [['ConditionalCheckFailed', 'None'], 'duplicate'],
    [['ConditionalCheckFailed', 'ConditionalCheckFailed'], 'duplicate'],
    [['None', 'TransactionConflict'], 'conflict'],
  ])('reads a transaction cancelled with %j as %s', async (codes, outcome) => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(...codes));
    await expect(dynamoFanIn(createDocumentClient(), tables).recordResult(result)).resolves.toBe(outcome);
  });

  test('fails if the job refuses a new result (missing or not RUNNING), naming the reasons', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(dynamoFanIn(createDocumentClient(), tables).recordResult(result)).rejects.toThrow(
      /subtask 3 of job 9d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a was refused by the job .*\[None, ConditionalCheckFailed\]/,
    );
  });

  test('lets any other error through', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('network down'));
    await expect(dynamoFanIn(createDocumentClient(), tables).recordResult(result)).rejects.toThrow(/network down/);
  });
});

describe('finalizeJob', () => {
  const request = { jobId: JOB_ID, finalizedBy: 'req-9', finalizedAt: '2026-01-01T00:00:01.000Z' };

  test('completes the job with ONE conditional update: all subtasks counted and still RUNNING', async () => {
    // GIVEN
    dynamo.on(UpdateCommand).resolves({});
    // WHEN
    const outcome = await dynamoFanIn(createDocumentClient(), tables).finalizeJob(request);
    // THEN
    expect(outcome).toBe('finalized');
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET #status = :completedStatus, #result = #primes, #finalizedAt = :at, #finalizedBy = :by',
      ConditionExpression: '#completed = #subtasks AND #status = :running',
      ExpressionAttributeValues: { ':completedStatus': 'COMPLETED', ':running': 'RUNNING', ':at': request.finalizedAt, ':by': 'req-9' },
    });
  });

  test('reports not-final when the condition fails (subtasks missing, or already finalized)', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    await expect(dynamoFanIn(createDocumentClient(), tables).finalizeJob(request)).resolves.toBe('not-final');
  });

  test('reports a conflict with an ongoing transaction on the job item', async () => {
    dynamo.on(UpdateCommand).rejects(new TransactionConflictException({ message: 'conflict', $metadata: {} }));
    await expect(dynamoFanIn(createDocumentClient(), tables).finalizeJob(request)).resolves.toBe('conflict');
  });

  test('lets any other error through', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(dynamoFanIn(createDocumentClient(), tables).finalizeJob(request)).rejects.toThrow(/throttled/);
  });
});

describe('putJob', () => {
  test('writes the job item only if its id is new', async () => {
    dynamo.on(PutCommand).resolves({});
    const job = {
      jobId: JOB_ID,
      status: 'RUNNING' as const,
      subtasks: 2,
      completed: 0 as const,
      primes: 0 as const,
      rangeEnd: 10,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: 1_767_312_000,
    };
    await putJob(createDocumentClient(), 'jobs', job);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: job,
      ConditionExpression: 'attribute_not_exists(jobId)',
    });
  });
});
