import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import { SEMAPHORE_KEY, dynamoEffects, dynamoSemaphore } from '../../../lambda/delivery/stores';

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
