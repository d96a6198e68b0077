import './handler-env';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import { cachedFaults, crashesAfterCharge, faultSwitchesOf, NO_FAULTS, type FaultSwitches } from '../../../lambda/orders/faults';
import { TransientProviderError } from '../../../lambda/orders/payment-core';
import { DECLINE_ABOVE_CENTS, failsTransiently, simulatedProvider } from '../../../lambda/orders/provider';
import { conditionFailed } from './sqs-fixtures';

const documents = mockClient(DynamoDBDocumentClient);
const CALL = { attempt: 1, breaker: 'CLOSED', breakerVersion: 0 } as const;

function provider(faults: Partial<FaultSwitches> = {}) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const p = simulatedProvider({
    client: createDocumentClient(),
    chargesTableName: 'charges',
    faults: async () => ({ ...NO_FAULTS, ...faults }),
    sleep: async (ms) => void sleeps.push(ms),
    now: () => 1_000,
    recordCall: async (_orderId, call) => void calls.push(call.outcome),
  });
  return { p, calls, sleeps };
}

beforeEach(() => {
  documents.reset();
});

describe('failsTransiently', () => {
  // The first 32 bits of SHA-256('order-1:<attempt>') over 2^32 are 0.524, 0.764, 0.846, 0.683 for attempts 1 to 4.
  test.each([
    [1, 0.6, true],
    [2, 0.6, false],
    [3, 0.8, false],
    [4, 0.8, true],
    [1, 0.5, false],
  ])('attempt %i of order-1 at rate %d fails: %s', (attempt, rate, fails) => {
    expect(failsTransiently('order-1', attempt, rate)).toBe(fails);
  });

  test('never fails at rate 0, always at rate 1, the same answer every time', () => {
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      expect(failsTransiently(`order-${attempt}`, attempt, 0)).toBe(false);
      expect(failsTransiently(`order-${attempt}`, attempt, 1)).toBe(true);
    }
    expect(failsTransiently('order-7', 3, 0.5)).toBe(failsTransiently('order-7', 3, 0.5));
  });

  test('fails about the given share of 10,000 calls', () => {
    const failed = Array.from({ length: 10_000 }, (_, i) => failsTransiently(`order-${i}`, 1, 0.2)).filter(Boolean).length;
    expect(failed).toBe(1985);
  });
});

describe('simulated payment provider', () => {
  test('charges an order once: a repeated call gives the first answer and writes nothing new', async () => {
    documents.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const { p, calls } = provider();
    await expect(p.charge('order-1', 500, CALL)).resolves.toBe('CHARGED');
    await expect(p.charge('order-1', 500, CALL)).resolves.toBe('CHARGED');
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'charges',
      Item: expect.objectContaining({ orderId: 'order-1', status: 'CHARGED', calls: 1 }),
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
    // The repeat is counted on the ledger entry, which keeps its status.
    expect(documents.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'charges', Key: { orderId: 'order-1' }, UpdateExpression: 'ADD calls :one', ExpressionAttributeValues: { ':one': 1 } },
    ]);
    expect(calls).toEqual(['CHARGED', 'repeat']);
  });

  test('declines an order above the card limit', async () => {
    documents.on(PutCommand).resolves({});
    await expect(provider().p.charge('order-1', DECLINE_ABOVE_CENTS + 1, CALL)).resolves.toBe('DECLINED');
  });

  test.each([
    ['down until later', { paymentOutageUntil: 2_000 }, /provider is down/],
    ['failing at the configured rate', { paymentFailureRate: 1 }, /timed out/],
  ])('fails transiently while %s, charging nothing', async (_name, faults, message) => {
    const { p } = provider(faults);
    const error = await p.charge('order-1', 500, CALL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect((error as Error).message).toMatch(message);
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  test('adds the configured latency to a call', async () => {
    documents.on(PutCommand).resolves({});
    const { p, sleeps } = provider({ addedLatencyMs: 250 });
    await p.charge('order-1', 500, CALL);
    expect(sleeps).toEqual([250]);
  });

  test('records every call it receives with its time, number, the breaker state behind it and its outcome', async () => {
    documents.on(PutCommand).resolves({});
    const recorded: unknown[] = [];
    const p = simulatedProvider({
      client: createDocumentClient(),
      chargesTableName: 'charges',
      faults: async () => ({ ...NO_FAULTS, paymentOutageUntil: 1_500 }),
      sleep: async () => undefined,
      now: () => 1_000,
      recordCall: async (orderId, call) => void recorded.push({ orderId, ...call }),
    });
    await p.charge('order-1', 500, { attempt: 4, breaker: 'HALF_OPEN', breakerVersion: 9 }).catch(() => undefined);
    expect(recorded).toEqual([{ orderId: 'order-1', at: 1_000, attempt: 4, breaker: 'HALF_OPEN', breakerVersion: 9, outcome: 'outage' }]);
  });

  test('refunds only a charged order, once', async () => {
    documents.on(UpdateCommand).resolvesOnce({}).rejects(conditionFailed());
    const { p } = provider();
    await p.refund('order-1');
    await expect(p.refund('order-1')).resolves.toBeUndefined();
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: '#status = :charged' });
  });
});

describe('fault switches', () => {
  test.each([
    ['no item', undefined, NO_FAULTS],
    ['values in range', { paymentFailureRate: 0.2, addedLatencyMs: 100 }, { ...NO_FAULTS, paymentFailureRate: 0.2, addedLatencyMs: 100 }],
    ['values out of range, clamped', { paymentFailureRate: 3, addedLatencyMs: -5 }, { ...NO_FAULTS, paymentFailureRate: 1 }],
    ['a malformed value, off', { paymentOutageUntil: 'soon' }, NO_FAULTS],
    ['the order ids to crash after the charge, strings only', { paymentCrashAfterCharge: ['o-1', 7, 'o-2'] }, { ...NO_FAULTS, paymentCrashAfterCharge: ['o-1', 'o-2'] }],
    ['a crash switch that is not a list, off', { paymentCrashAfterCharge: 'o-1' }, NO_FAULTS],
  ])('reads %s', (_name, item, expected) => {
    expect(faultSwitchesOf(item)).toEqual(expected);
  });

  test('are read at most once per cache period', async () => {
    let now = 0;
    let loads = 0;
    const read = cachedFaults(async () => ({ ...NO_FAULTS, addedLatencyMs: ++loads }), 1000, () => now);
    await read();
    now = 999;
    expect((await read()).addedLatencyMs).toBe(1);
    now = 1000;
    expect((await read()).addedLatencyMs).toBe(2);
  });
});

describe('crashesAfterCharge', () => {
  test.each([
    ['a named order its delivery charged', 'o-1', true, true],
    ['a named order answered from the ledger (the redelivery)', 'o-1', false, false],
    ['an order the switch does not name', 'o-2', true, false],
  ])('%s: %s', (_name, orderId, chargedNow, crashes) => {
    expect(crashesAfterCharge({ paymentCrashAfterCharge: ['o-1'] }, orderId, chargedNow)).toBe(crashes);
  });
});
