import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import { REFUSALS_KEY, dynamoArrivals, dynamoCompletions, dynamoEffects, dynamoSemaphore, leaseHeld, permitKey } from '../../../lambda/delivery/stores';

const dynamo = mockClient(DynamoDBDocumentClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => dynamo.reset());

describe('dynamoSemaphore', () => {
  const CONDITION = 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now';
  // random() = 0.5 with 4 slots starts at slot 2; the clock reads 1,000.
  const semaphore = () => dynamoSemaphore(createDocumentClient(), 'downstream', () => 0.5, () => 1_000);

  test('leases the first free slot from a random one, until the caller\'s deadline', async () => {
    // GIVEN
    dynamo.on(UpdateCommand).resolves({});
    // WHEN
    const permit = await semaphore().tryAcquire(4, 3_000);
    // THEN
    expect(permit).toEqual({ slot: 2, holder: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'downstream',
      Key: permitKey(2),
      UpdateExpression: 'SET holder = :holder, leaseUntil = :until',
      ConditionExpression: CONDITION,
      ExpressionAttributeValues: { ':holder': permit!.holder, ':until': 3_000, ':now': 1_000 },
    });
  });

  test('tries the next slots, wrapping around, when a slot is held', async () => {
    // GIVEN slots 2 and 3 are held
    dynamo.on(UpdateCommand, { Key: permitKey(2) }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { Key: permitKey(3) }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { Key: permitKey(0) }).resolves({});
    // WHEN
    const permit = await semaphore().tryAcquire(4, 3_000);
    // THEN
    expect(permit?.slot).toBe(0);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([permitKey(2), permitKey(3), permitKey(0)]);
  });

  test('refuses when every slot is held, and counts the refusal', async () => {
    // GIVEN
    dynamo.on(UpdateCommand, { ConditionExpression: CONDITION }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { Key: REFUSALS_KEY }).resolves({});
    // WHEN
    const permit = await semaphore().tryAcquire(4, 3_000);
    // THEN each slot was tried once, then the refusal counted
    expect(permit).toBeUndefined();
    expect(dynamo.commandCalls(UpdateCommand, { ConditionExpression: CONDITION })).toHaveLength(4);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: REFUSALS_KEY, UpdateExpression: 'ADD refused :one' });
  });

  test('fails on any other error instead of calling it overload', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('throughput exceeded'));
    await expect(semaphore().tryAcquire(4, 3_000)).rejects.toThrow(/throughput exceeded/);
  });

  test('gives the slot back only while this permit holds it', async () => {
    // GIVEN
    dynamo.on(UpdateCommand).resolves({});
    // WHEN
    await semaphore().release({ slot: 1, holder: 'me' });
    // THEN
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: permitKey(1),
      UpdateExpression: 'REMOVE holder, leaseUntil',
      ConditionExpression: 'holder = :holder',
      ExpressionAttributeValues: { ':holder': 'me' },
    });
  });

  test("leaves a slot alone that another caller leased after this permit's lease ran out", async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    await expect(semaphore().release({ slot: 1, holder: 'me' })).resolves.toBeUndefined();
  });

  test('tries first the slot this caller gave back last: a caller that keeps calling leases in one write', async () => {
    // GIVEN a caller that held slot 0 and gave it back (a random start would be slot 2)
    dynamo.on(UpdateCommand).resolves({});
    const caller = semaphore();
    await caller.release({ slot: 0, holder: 'me' });
    dynamo.resetHistory();
    // WHEN
    const permit = await caller.tryAcquire(4, 3_000);
    // THEN
    expect(permit?.slot).toBe(0);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  test('goes on from its own slot in turn when another caller leased it meanwhile', async () => {
    // GIVEN slot 1 was given back by this caller and then leased by another
    dynamo.on(UpdateCommand).resolves({});
    const caller = semaphore();
    await caller.release({ slot: 1, holder: 'me' });
    dynamo.reset();
    dynamo.on(UpdateCommand, { Key: permitKey(1) }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { Key: permitKey(2) }).resolves({});
    // WHEN
    const permit = await caller.tryAcquire(4, 3_000);
    // THEN
    expect(permit?.slot).toBe(2);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([permitKey(1), permitKey(2)]);
  });

  test('does not prefer a slot whose return found it leased by another caller', async () => {
    // GIVEN this caller's lease on slot 1 ran out and another caller holds it
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    const caller = semaphore();
    await caller.release({ slot: 1, holder: 'me' });
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    // WHEN
    const permit = await caller.tryAcquire(4, 3_000);
    // THEN the random start (slot 2), not slot 1
    expect(permit?.slot).toBe(2);
  });

  test('a slot given back beyond a smaller capacity is not tried', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const caller = semaphore();
    await caller.release({ slot: 3, holder: 'me' });
    dynamo.resetHistory();
    const permit = await caller.tryAcquire(2, 3_000);
    // random() = 0.5 with 2 slots starts at slot 1
    expect(permit?.slot).toBe(1);
  });

  test('fails a return on any other error', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('network down'));
    await expect(semaphore().release({ slot: 1, holder: 'me' })).rejects.toThrow(/network down/);
  });
});

describe('leaseHeld', () => {
  it.each([
    [undefined, false],
    [{ name: 'permit#0' }, false],
    [{ name: 'permit#0', leaseUntil: 999 }, false],
    [{ name: 'permit#0', leaseUntil: 1_000 }, false],
    [{ name: 'permit#0', leaseUntil: 1_001 }, true],
  ])('slot %j at t = 1000: held %s', (item, held) => {
    expect(leaseHeld(item, 1_000)).toBe(held);
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
  test('appends the arrival to its group\'s list with the SQS message it came from, keyed by run, queue kind and group', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await dynamoArrivals(createDocumentClient(), 'arrivals', 'fifo').recordArrival({ runId: 'r', group: 'g1', seq: 3, startedAt: 5, endedAt: 9 }, 'sqs-1');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'arrivals',
      Key: { groupKey: 'r#fifo#g1' },
      UpdateExpression: 'SET arrivals = list_append(if_not_exists(arrivals, :none), :arrival)',
      ExpressionAttributeValues: { ':none': [], ':arrival': [{ seq: 3, startedAt: 5, endedAt: 9, sqsMessageId: 'sqs-1' }] },
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
