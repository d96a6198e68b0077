import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import { SEMAPHORE_KEY, dynamoArrivals, dynamoCompletions, dynamoEffects, dynamoSemaphore } from '../../../lambda/delivery/stores';

const dynamo = mockClient(DynamoDBDocumentClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => dynamo.reset());

describe('dynamoSemaphore', () => {
  test('takes a permit with an increment conditional on fewer than K taken', async () => {
    // GIVEN
    dynamo.on(UpdateCommand).resolves({});
    // WHEN
    const admitted = await dynamoSemaphore(createDocumentClient(), 'semaphore').tryAcquire(3);
    // THEN
    expect(admitted).toBe(true);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'semaphore',
      Key: SEMAPHORE_KEY,
      UpdateExpression: 'ADD taken :one, admitted :one',
      ConditionExpression: 'attribute_not_exists(taken) OR taken < :capacity',
      ExpressionAttributeValues: { ':one': 1, ':capacity': 3 },
    });
  });

  test('refuses when the condition fails, and counts the refusal', async () => {
    // GIVEN
    dynamo.on(UpdateCommand, { ConditionExpression: 'attribute_not_exists(taken) OR taken < :capacity' }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { UpdateExpression: 'ADD refused :one' }).resolves({});
    // WHEN
    const admitted = await dynamoSemaphore(createDocumentClient(), 'semaphore').tryAcquire(3);
    // THEN
    expect(admitted).toBe(false);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'ADD refused :one' });
  });

  test('fails on any other error instead of calling it overload', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('throughput exceeded'));
    await expect(dynamoSemaphore(createDocumentClient(), 'semaphore').tryAcquire(3)).rejects.toThrow(/throughput exceeded/);
  });

  test('gives a permit back with a decrement', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await dynamoSemaphore(createDocumentClient(), 'semaphore').release();
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'ADD taken :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } });
  });
});

describe('dynamoEffects', () => {
  test('counts an effect unconditionally', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await dynamoEffects(createDocumentClient(), 'effects').countEffect('m-1');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { messageId: 'm-1' }, UpdateExpression: 'ADD effects :one' });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBeUndefined();
  });

  test.each([
    ['a first delivery counts', undefined, true],
    ['a redelivery finds it counted and changes nothing', conditionFailed(), false],
  ])('%s', async (_name, failure, counted) => {
    if (failure === undefined) dynamo.on(UpdateCommand).resolves({});
    else dynamo.on(UpdateCommand).rejects(failure);
    expect(await dynamoEffects(createDocumentClient(), 'effects').countEffectOnce('m-1')).toBe(counted);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: 'attribute_not_exists(effects)' });
  });
});

describe('dynamoArrivals', () => {
  test('appends the arrival to its group\'s list, keyed by run, queue kind and group', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await dynamoArrivals(createDocumentClient(), 'arrivals', 'fifo').recordArrival({ runId: 'r', group: 'g1', seq: 3, startedAt: 5, endedAt: 9 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'arrivals',
      Key: { groupKey: 'r#fifo#g1' },
      UpdateExpression: 'SET arrivals = list_append(if_not_exists(arrivals, :none), :arrival)',
      ExpressionAttributeValues: { ':none': [], ':arrival': [{ seq: 3, startedAt: 5, endedAt: 9 }] },
    });
  });
});

describe('dynamoCompletions', () => {
  test('counts a completed call with its send and completion times', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await dynamoCompletions(createDocumentClient(), 'downstream').recordCompletion({ runId: 'r', messageId: 'm-1', sentAt: 1, completedAt: 7 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { name: 'done#r#m-1' },
      UpdateExpression: 'SET sentAt = :sentAt, completedAt = :completedAt ADD calls :one',
    });
  });
});
