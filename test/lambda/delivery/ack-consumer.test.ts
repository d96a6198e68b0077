import { ACK_QUEUE_URL, EFFECTS_TABLE_NAME } from './handler-env';
import { DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/delivery/ack-consumer';
import { sqsRecord } from './sqs-records';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const context = { awsRequestId: 'req-1', functionName: 'AckConsumer', getRemainingTimeInMillis: () => 5_000 } as unknown as Context;

/** process.exit, stubbed: it throws so the handler stops where the real one would end the environment. */
let exit: jest.SpyInstance;

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  dynamo.on(UpdateCommand).resolves({});
  sqs.on(DeleteMessageCommand).resolves({});
  exit = jest.spyOn(process, 'exit').mockImplementation(() => {
    throw new Error('process.exit');
  });
});

afterEach(() => jest.restoreAllMocks());

describe('ack-mode consumer', () => {
  test('at-most-once deletes the message itself before counting its effect', async () => {
    // WHEN
    const response = await handler(event(sqsRecord('s1', { runId: 'r', messageId: 'm-1', mode: 'at-most-once' })), context);
    // THEN
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: ACK_QUEUE_URL, ReceiptHandle: 'handle-s1' });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { TableName: EFFECTS_TABLE_NAME, Key: { messageId: 'm-1' } });
  });

  test('at-most-once with a crash ends the environment after the deletion, before the effect', async () => {
    await handler(event(sqsRecord('s2', { runId: 'r', messageId: 'm-2', mode: 'at-most-once', crash: true })), context);
    expect(exit).toHaveBeenCalledWith(1);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  test('at-least-once with a crash counts the effect, ends the environment, and leaves the deletion undone', async () => {
    await handler(event(sqsRecord('s3', { runId: 'r', messageId: 'm-3', mode: 'at-least-once', crash: true })), context);
    expect(exit).toHaveBeenCalledWith(1);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  test('effectively-once on a redelivery writes conditionally and crashes no more', async () => {
    const response = await handler(event(sqsRecord('s4', { runId: 'r', messageId: 'm-4', mode: 'effectively-once', crash: true }, { receiveCount: 2 })), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(exit).not.toHaveBeenCalled();
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: 'attribute_not_exists(effects)' });
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  test('fails only a message whose mode is unknown', async () => {
    const response = await handler(
      event(sqsRecord('bad', { runId: 'r', messageId: 'm-5', mode: 'exactly-once' }), sqsRecord('good', { runId: 'r', messageId: 'm-6', mode: 'at-least-once' })),
      context,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });
});
