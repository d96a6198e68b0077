import { TOPIC_ARN } from './handler-env';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/pipeline/worker';
import type { Context, SNSEvent } from 'aws-lambda';

const dynamo = mockClient(DynamoDBDocumentClient);
const JOB_ID = '3e7a1c52-4b8d-4f0e-9a6b-2c1d0e9f8a7b';

/** An SNS -> Lambda event as SNS delivers it: one record, the published message as a string. */
function snsEvent(message: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: TOPIC_ARN,
          Subject: null as unknown as string,
          Message: message,
          Timestamp: '2026-01-01T00:00:00.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

const context = { awsRequestId: 'req-worker-1', functionName: 'Worker', logStreamName: 'stream' } as Context;

let consoleError: jest.SpiedFunction<typeof console.error>;

beforeEach(() => {
  dynamo.reset();
  consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => consoleError.mockRestore());

describe('worker handler', () => {
  test('counts the primes of the subtask, records them and finalizes as the request id', async () => {
    // GIVEN
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    const message = { jobId: JOB_ID, subtaskId: 0, subtasks: 1, from: 0, to: 100 };
    // WHEN
    const outcomes = await handler(snsEvent(JSON.stringify(message)), context);
    // THEN
    expect(outcomes).toEqual([{ jobId: JOB_ID, subtaskId: 0, primes: 25, record: 'recorded', finalized: true }]);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const put = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put).toMatchObject({ TableName: 'results', Item: { jobId: JOB_ID, subtaskId: 0, primes: 25, completedBy: 'req-worker-1' } });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      ExpressionAttributeValues: expect.objectContaining({ ':by': 'req-worker-1' }),
    });
  });

  test('does nothing more for a redelivered subtask whose job is complete', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    const message = { jobId: JOB_ID, subtaskId: 2, subtasks: 3, from: 20, to: 30 };
    await expect(handler(snsEvent(JSON.stringify(message)), context)).resolves.toEqual([
      { jobId: JOB_ID, subtaskId: 2, primes: 2, record: 'duplicate', finalized: false },
    ]);
  });

  test.each<[string, string, RegExp]>([
    ['the body is not JSON', 'not json', /^Records\.0\.Sns\.Message: not JSON/],
    ['jobId is not a GUID', JSON.stringify({ jobId: 'job-1', subtaskId: 0, subtasks: 1, from: 0, to: 10 }), /Message\.jobId: /],
    ['subtaskId is missing', JSON.stringify({ jobId: JOB_ID, subtasks: 1, from: 0, to: 10 }), /Message\.subtaskId: /],
    ['from exceeds to', JSON.stringify({ jobId: JOB_ID, subtaskId: 0, subtasks: 1, from: 10, to: 5 }), /Message\.to: from must not exceed to/],
    [
      'subtaskId is not below subtasks',
      JSON.stringify({ jobId: JOB_ID, subtaskId: 1, subtasks: 1, from: 0, to: 5 }),
      /Message\.subtaskId: subtaskId must be below subtasks/,
    ],
  ])('throws (so Lambda retries, then dead-letters) if %s, without writing', async (_name, body, message) => {
    await expect(handler(snsEvent(body), context)).rejects.toThrow(message);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  test('names the invalid field in the error and in the log line', async () => {
    const body = JSON.stringify({ jobId: JOB_ID, subtaskId: 'seven', subtasks: 1, from: 0, to: 10 });
    // WHEN / THEN
    await expect(handler(snsEvent(body), context)).rejects.toMatchObject({
      name: 'InvalidMessageError',
      issues: [expect.objectContaining({ path: 'Records.0.Sns.Message.subtaskId' })],
    });
    const logged = consoleError.mock.calls.map((args) => String(args[0]));
    expect(logged).toEqual([expect.stringMatching(/invalid subtask message.*Records\.0\.Sns\.Message\.subtaskId/s)]);
  });

  test('throws for a subtask marked to fail, without writing', async () => {
    const body = JSON.stringify({ jobId: JOB_ID, subtaskId: 0, subtasks: 2, from: 0, to: 10, fail: true });
    await expect(handler(snsEvent(body), context)).rejects.toThrow(/subtask 0 of job .* is marked to fail/);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });
});
