import { ARRIVALS_TABLE_NAME, DOWNSTREAM_TABLE_NAME } from './handler-env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { bufferHandler, pushHandler } from '../../../lambda/delivery/downstream';
import { fifoHandler, standardHandler } from '../../../lambda/delivery/ordering-consumer';
import { sqsRecord } from './sqs-records';

const dynamo = mockClient(DynamoDBDocumentClient);
const context = { awsRequestId: 'req-1', functionName: 'Consumer', getRemainingTimeInMillis: () => 5_000 } as unknown as Context;
const seq = (group: string, n: number, poison = false) => sqsRecord(`${group}-${n}`, { runId: 'r', group, seq: n, poison }, { group });

beforeEach(() => {
  dynamo.reset();
  dynamo.on(UpdateCommand).resolves({});
});

/** The arrivals the consumer appended, as `<group key>:<seq>`, in the order it appended them. */
function appended(): string[] {
  return dynamo.commandCalls(UpdateCommand).map(({ args }) => {
    const input = args[0].input as UpdateCommandInput;
    expect(input.TableName).toBe(ARRIVALS_TABLE_NAME);
    const [arrival] = input.ExpressionAttributeValues?.[':arrival'] as Array<{ seq: number }>;
    return `${String(input.Key?.['groupKey'])}:${arrival?.seq}`;
  });
}

describe('FIFO ordering consumer', () => {
  test('a poisoned message fails with the rest of its group, while the other group goes on', async () => {
    const response = await fifoHandler({ Records: [seq('a', 0), seq('a', 1, true), seq('b', 0), seq('a', 2), seq('b', 1)] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a-1' }, { itemIdentifier: 'a-2' }]);
    expect(appended()).toEqual(['r#fifo#a:0', 'r#fifo#b:0', 'r#fifo#b:1']);
  });
});

describe('standard ordering consumer', () => {
  test('fails only the poisoned message and records the others under the standard queue', async () => {
    const records = [seq('a', 0), seq('a', 1, true), seq('a', 2)].map((record) => ({ ...record, eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue' }));
    const response = await standardHandler({ Records: records }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a-1' }]);
    expect(appended()).toEqual(['r#standard#a:0', 'r#standard#a:2']);
  });

  test('fails a message that is not a sequenced message, naming the field', async () => {
    const response = await standardHandler({ Records: [sqsRecord('bad', { runId: 'r', group: 'a' })] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });
});

const downstreamMessage = (messageId: string) => ({ runId: 'r', messageId, sentAt: 1 });
const snsEvent = (message: unknown): SNSEvent => ({ Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: 'arn:sub', Sns: { Message: JSON.stringify(message) } }] }) as unknown as SNSEvent;

/** The downstream full: the conditional lease of every permit slot fails. */
function overloaded(): void {
  dynamo
    .on(UpdateCommand, { ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now' })
    .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
}

describe('push path (SNS -> Lambda)', () => {
  test("leases a permit of capacity 2 until the invocation's deadline, records the call and gives the permit back", async () => {
    const start = Date.now();
    await pushHandler(snsEvent(downstreamMessage('m-1')), context);
    const [lease] = dynamo.commandCalls(UpdateCommand, { UpdateExpression: 'SET holder = :holder, leaseUntil = :until' });
    expect(lease?.args[0].input).toMatchObject({ TableName: DOWNSTREAM_TABLE_NAME, Key: { name: expect.stringMatching(/^permit#[01]$/) } });
    // The context has 5 s left: the lease runs out when the invocation would be killed.
    const until = Number(lease?.args[0].input.ExpressionAttributeValues?.[':until']);
    expect(until).toBeGreaterThanOrEqual(start + 5_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { name: 'done#r#m-1' } });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: lease?.args[0].input.Key, UpdateExpression: 'REMOVE holder, leaseUntil' });
  });

  test('fails the invocation when the downstream is overloaded, so the asynchronous retries take over', async () => {
    overloaded();
    await expect(pushHandler(snsEvent(downstreamMessage('m-2')), context)).rejects.toThrow(/overloaded/);
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, { Key: { name: 'done#r#m-2' } });
  });
});

describe('buffer path (SNS -> SQS -> Lambda)', () => {
  test('reports an overloaded call as a failed record, which returns to the queue', async () => {
    overloaded();
    const response = await bufferHandler({ Records: [sqsRecord('q-1', downstreamMessage('m-3'))] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'q-1' }]);
  });

  test('completes an admitted call', async () => {
    const response = await bufferHandler({ Records: [sqsRecord('q-2', downstreamMessage('m-4'))] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { name: 'done#r#m-4' } });
  });
});
