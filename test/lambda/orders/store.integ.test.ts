import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { INITIAL_BREAKER } from '../../../lambda/orders/breaker';
import { providerCallsItemId, providerCallsOf, RECORD_TTL_ATTRIBUTE, RECORD_TTL_SECONDS, transitionItemId, transitionOf } from '../../../lambda/orders/breaker-record';
import { settle } from '../../../lambda/orders/fan-in';
import { releaseAll, reserveAll } from '../../../lambda/orders/stock';
import { controlTable, ordersTable, stockTable } from '../../../lambda/orders/store';
import { localClientConfig, startEmulators, type RunningEmulators } from '../../../labs/targets/local/emulators';

/**
 * The orders adapters against DynamoDB Local: the real condition expressions, with workers racing as
 * the concurrent environments of a pool would.
 */
jest.setTimeout(120_000);

let emulators: RunningEmulators;
let client: DynamoDBDocumentClient;
const started = Date.now();

beforeAll(async () => {
  emulators = await startEmulators(['dynamodb']);
  const raw = new DynamoDBClient(localClientConfig(emulators.endpoints.dynamodb!));
  for (const [TableName, key] of [['orders', 'orderId'], ['stock', 'sku'], ['control', 'id']] as const) {
    await raw.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  client = DynamoDBDocumentClient.from(raw);
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
  console.log(`orders store integration: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

const stockOf = async (sku: string) => (await client.send(new GetCommand({ TableName: 'stock', Key: { sku } }))).Item?.['stock'] as number;

describe('stock table', () => {
  test('never goes below zero when 12 orders race for 10 units, 3 each, and an order takes its share once', async () => {
    // GIVEN
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await client.send(new PutCommand({ TableName: 'stock', Item: { sku, stock: 10 } }));
    const stock = stockTable(client, 'stock');
    // WHEN 12 orders reserve at once, and every one is delivered twice
    const orders = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    const outcomes = await Promise.all([...orders, ...orders].map((orderId) => reserveAll(orderId, [{ sku, quantity: 3 }], stock)));
    // THEN exactly three orders hold stock, both deliveries of each agree, and one unit is left
    const reserved = new Set(outcomes.map((o, i) => (o.kind === 'RESERVED' ? [...orders, ...orders][i] : undefined)).filter(Boolean));
    expect(reserved.size).toBe(3);
    expect(outcomes.filter((o) => o.kind === 'RESERVED')).toHaveLength(6);
    expect(await stockOf(sku)).toBe(1);
    // AND releasing one order twice gives its units back once
    const [first] = [...reserved] as string[];
    await releaseAll(first!, [{ sku, quantity: 3 }], stock);
    await releaseAll(first!, [{ sku, quantity: 3 }], stock);
    expect(await stockOf(sku)).toBe(4);
    // AND a redelivery of that order after its release does not take the units again
    await expect(reserveAll(first!, [{ sku, quantity: 3 }], stock)).resolves.toEqual({ kind: 'REFUSED', sku });
    expect(await stockOf(sku)).toBe(4);
  });
});

describe('payment breaker item', () => {
  test('takes one of two concurrent writes from the same version', async () => {
    const control = controlTable(client, 'control');
    expect(await control.readBreaker()).toEqual(INITIAL_BREAKER);
    const open = { status: 'OPEN', failures: 0, openUntil: 1, version: 1 } as const;
    const results = await Promise.all([control.writeBreaker(open, INITIAL_BREAKER), control.writeBreaker({ ...open, openUntil: 2 }, INITIAL_BREAKER)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await control.readBreaker()).version).toBe(1);
    expect(await control.writeBreaker({ ...open, status: 'CLOSED', version: 2 }, INITIAL_BREAKER)).toBe(false);
    // AND the one transition that happened is recorded once, under the version it wrote
    const transitions = await client.send(new GetCommand({ TableName: 'control', Key: { id: transitionItemId(1) }, ConsistentRead: true }));
    expect(transitionOf(transitions.Item!)).toEqual({ at: expect.any(Number), from: 'CLOSED', to: 'OPEN', version: 1 });
    expect((await client.send(new GetCommand({ TableName: 'control', Key: { id: transitionItemId(2) } }))).Item).toBeUndefined();
  });

  test('appends each provider call to its order\'s log, with an expiry', async () => {
    const control = controlTable(client, 'control');
    const orderId = randomUUID();
    await control.recordCall(orderId, { at: 1_000, attempt: 1, breaker: 'CLOSED', breakerVersion: 3, outcome: 'outage' });
    await control.recordCall(orderId, { at: 2_000, attempt: 2, breaker: 'HALF_OPEN', breakerVersion: 5, outcome: 'CHARGED' });
    const item = (await client.send(new GetCommand({ TableName: 'control', Key: { id: providerCallsItemId(orderId) }, ConsistentRead: true }))).Item!;
    expect(providerCallsOf(item).map((c) => `${c.attempt}:${c.breaker}:${c.outcome}`)).toEqual(['1:CLOSED:outage', '2:HALF_OPEN:CHARGED']);
    // The log expires a day after its last call.
    expect(item[RECORD_TTL_ATTRIBUTE]).toBe(2 + RECORD_TTL_SECONDS);
  });
});

describe('orders fan-in', () => {
  test('ends a racing order in one terminal state and refunds its charge once', async () => {
    // GIVEN a placed order
    const orderId = randomUUID();
    await client.send(new PutCommand({ TableName: 'orders', Item: { orderId, status: 'PLACED' } }));
    const undone: string[] = [];
    const fanIn = ordersTable(client, 'orders', async (_id, compensation) => void undone.push(compensation)).fanIn;
    // WHEN payment and inventory answer at once, each delivered twice
    const settlements = await Promise.all([
      settle(orderId, { side: 'payment', result: 'CHARGED' }, fanIn),
      settle(orderId, { side: 'inventory', result: 'REFUSED' }, fanIn),
      settle(orderId, { side: 'payment', result: 'CHARGED' }, fanIn),
      settle(orderId, { side: 'inventory', result: 'REFUSED' }, fanIn),
    ]);
    // THEN
    const item = (await client.send(new GetCommand({ TableName: 'orders', Key: { orderId } }))).Item!;
    expect(item).toEqual(expect.objectContaining({ status: 'REJECTED', payment: 'CHARGED', inventory: 'REFUSED', reason: 'inventory refused: not enough stock' }));
    expect(settlements.filter((s) => s.finished !== undefined)).toHaveLength(1);
    expect(item['compensated']).toEqual(new Set(['REFUND']));
    // The refund itself is idempotent (the charge's conditional update); it may be asked for more than once.
    expect(new Set(undone)).toEqual(new Set(['REFUND']));
  });
});
