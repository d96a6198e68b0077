import './handler-env';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createDocumentClient } from '../../../lambda/shared/clients';
import { cachedFaults, faultSwitchesOf, NO_FAULTS, type FaultSwitches } from '../../../lambda/orders/faults';
import { TransientProviderError } from '../../../lambda/orders/payment-core';
import { DECLINE_ABOVE_CENTS, simulatedProvider } from '../../../lambda/orders/provider';
import { conditionFailed } from './sqs-fixtures';

const documents = mockClient(DynamoDBDocumentClient);

function provider(faults: Partial<FaultSwitches> = {}, random = 0.5) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const p = simulatedProvider({
    client: createDocumentClient(),
    chargesTableName: 'charges',
    faults: async () => ({ ...NO_FAULTS, ...faults }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => random,
    now: () => 1_000,
    onCall: (_orderId, outcome) => calls.push(outcome),
  });
  return { p, calls, sleeps };
}

beforeEach(() => {
  documents.reset();
});

describe('simulated payment provider', () => {
  test('charges an order once: a repeated call gives the first answer and writes nothing new', async () => {
    documents.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const { p, calls } = provider();
    await expect(p.charge('order-1', 500)).resolves.toBe('CHARGED');
    await expect(p.charge('order-1', 500)).resolves.toBe('CHARGED');
    expect(documents).toHaveReceivedCommandWith(PutCommand, { TableName: 'charges', ConditionExpression: 'attribute_not_exists(orderId)' });
    expect(calls).toEqual(['CHARGED', 'repeat']);
  });

  test('declines an order above the card limit', async () => {
    documents.on(PutCommand).resolves({});
    await expect(provider().p.charge('order-1', DECLINE_ABOVE_CENTS + 1)).resolves.toBe('DECLINED');
  });

  test.each([
    ['down until later', { paymentOutageUntil: 2_000 }, 0.5, /provider is down/],
    ['failing at the configured rate', { paymentFailureRate: 0.6 }, 0.5, /timed out/],
  ])('fails transiently while %s, charging nothing', async (_name, faults, random, message) => {
    const { p } = provider(faults, random);
    const error = await p.charge('order-1', 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientProviderError);
    expect((error as Error).message).toMatch(message);
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  test('adds the configured latency to a call', async () => {
    documents.on(PutCommand).resolves({});
    const { p, sleeps } = provider({ addedLatencyMs: 250 });
    await p.charge('order-1', 500);
    expect(sleeps).toEqual([250]);
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
