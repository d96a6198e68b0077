import { TOPIC_ARN } from './handler-env';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/pipeline/ventilator';
import { InvalidMessageError } from '../../../lambda/shared/messages';
import type { Context } from 'aws-lambda';
import { installFakeIdempotencyTable } from '../shared/fake-idempotency-table';

const dynamo = mockClient(DynamoDBDocumentClient);
const idempotencyClient = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const context = {
  awsRequestId: 'req-ventilator-1',
  functionName: 'LabPipeline-Ventilator',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

let idempotencyRecords: ReturnType<typeof installFakeIdempotencyTable>;

beforeEach(() => {
  dynamo.reset();
  idempotencyClient.reset();
  sns.reset();
  dynamo.on(PutCommand).resolves({});
  idempotencyRecords = installFakeIdempotencyTable(idempotencyClient);
});

function publishedMessages(): Array<{ jobId: string; subtaskId: number; from: number; to: number; fail?: boolean }> {
  return sns
    .commandCalls(PublishBatchCommand)
    .flatMap((call) => call.args[0].input.PublishBatchRequestEntries ?? [])
    .map((entry) => JSON.parse(entry.Message ?? '') as { jobId: string; subtaskId: number; from: number; to: number; fail?: boolean });
}

describe('ventilator handler', () => {
  test('writes a RUNNING job under a fresh GUID and publishes one message per subtask, 10 per call', async () => {
    // GIVEN
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    // WHEN
    const started = await handler({ requestId: 'run-1', subtasks: 25, rangeEnd: 1000, failSubtasks: [24] }, context);
    // THEN
    expect(started).toEqual({ jobId: expect.stringMatching(GUID), subtasks: 25, rangeEnd: 1000, publishCalls: 3 });
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: expect.objectContaining({ jobId: started.jobId, status: 'RUNNING', subtasks: 25, completed: 0, primes: 0, rangeEnd: 1000 }),
    });
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, { TopicArn: TOPIC_ARN });
    const messages = publishedMessages();
    expect(messages.map((m) => m.subtaskId)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(messages.every((m) => m.jobId === started.jobId)).toBe(true);
    expect(messages.filter((m) => m.fail).map((m) => m.subtaskId)).toEqual([24]);
  });

  test('gives every job its own id', async () => {
    sns.on(PublishBatchCommand).resolves({});
    const first = await handler({ requestId: 'run-1', subtasks: 1, rangeEnd: 10 }, context);
    const second = await handler({ requestId: 'run-2', subtasks: 1, rangeEnd: 10 }, context);
    expect(first.jobId).not.toBe(second.jobId);
  });

  test('publishes again the entries PublishBatch reported as failed', async () => {
    // GIVEN the first call refuses one entry
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({ Failed: [{ Id: 'subtask-4', Code: 'InternalError', SenderFault: false, Message: 'try again' }] })
      .resolves({});
    // WHEN
    const started = await handler({ requestId: 'run-1', subtasks: 12, rangeEnd: 1200 }, context);
    // THEN
    expect(started.publishCalls).toBe(3);
    const retried = sns.commandCalls(PublishBatchCommand)[1]?.args[0].input.PublishBatchRequestEntries;
    expect(retried?.map((e) => e.Id)).toEqual(['subtask-4']);
  });

  test('fails the invocation when PublishBatch keeps refusing an entry', async () => {
    sns.on(PublishBatchCommand).resolves({ Failed: [{ Id: 'subtask-0', Code: 'KMSDisabled', SenderFault: true }] });
    await expect(handler({ requestId: 'run-1', subtasks: 2, rangeEnd: 10 }, context)).rejects.toThrow(/SNS refused 1 subtask message\(s\).*KMSDisabled/);
  });

  test.each<[string, unknown, RegExp]>([
    ['subtasks is above 1000', { requestId: 'run-1', subtasks: 1001, rangeEnd: 100_000 }, /^request\.subtasks: /],
    ['rangeEnd is above MAX_RANGE_END', { requestId: 'run-1', subtasks: 1, rangeEnd: 1_000_001 }, /^request\.rangeEnd: /],
    ['requestId is missing', { subtasks: 1, rangeEnd: 10 }, /^request\.requestId: /],
    ['the request is not an object', 'count primes please', /^request: /],
  ])('fails, naming the field, without writing or publishing, if %s', async (_name, request, message) => {
    const refusal = handler(request, context);
    await expect(refusal).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(refusal).rejects.toThrow(message);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 0);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 0);
    expect(idempotencyClient).toHaveReceivedCommandTimes(PutItemCommand, 0);
  });
});

describe('ventilator handler, repeated requests', () => {
  test('answers a repeated requestId with the job already started, and writes and publishes nothing again', async () => {
    // GIVEN a job started for request run-1
    sns.on(PublishBatchCommand).resolves({});
    const first = await handler({ requestId: 'run-1', subtasks: 12, rangeEnd: 1200 }, context);
    // WHEN the client sends the same request again (a retry after a timeout)
    const again = await handler({ requestId: 'run-1', subtasks: 12, rangeEnd: 1200 }, { ...context, awsRequestId: 'req-ventilator-2' });
    // THEN it gets the same job back, and the job was written and published once
    expect(again).toEqual(first);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
    expect(publishedMessages()).toHaveLength(12);
    expect([...idempotencyRecords.values()].map((record) => record['status']?.S)).toEqual(['COMPLETED']);
  });

  test('refuses a requestId reused for a different job, without writing or publishing', async () => {
    sns.on(PublishBatchCommand).resolves({});
    await handler({ requestId: 'run-1', subtasks: 2, rangeEnd: 10 }, context);
    await expect(handler({ requestId: 'run-1', subtasks: 3, rangeEnd: 10 }, context)).rejects.toThrow(/Payload does not match stored record/);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
  });

  test('keeps no record of a start that failed, so the retry starts the job', async () => {
    // GIVEN SNS refuses an entry on every attempt of the first start
    sns.on(PublishBatchCommand).resolves({ Failed: [{ Id: 'subtask-0', Code: 'InternalError', SenderFault: false }] });
    await expect(handler({ requestId: 'run-1', subtasks: 2, rangeEnd: 10 }, context)).rejects.toThrow(/SNS refused/);
    expect(idempotencyRecords.size).toBe(0);
    // WHEN the client retries once SNS accepts again
    sns.reset();
    sns.on(PublishBatchCommand).resolves({});
    const started = await handler({ requestId: 'run-1', subtasks: 2, rangeEnd: 10 }, context);
    // THEN this attempt starts a job of its own and publishes its subtasks
    expect(started).toMatchObject({ subtasks: 2, publishCalls: 1 });
    expect(publishedMessages().map((m) => m.jobId)).toEqual([started.jobId, started.jobId]);
  });
});
