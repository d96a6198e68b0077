import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { permitKey, REFUSALS_KEY, dynamoSemaphore } from '../../../lambda/delivery/stores';
import { localClientConfig, startEmulators, type RunningEmulators } from '../../../labs/targets/local/emulators';

/**
 * The downstream's leased permits against DynamoDB Local: the real condition expressions, with callers
 * racing as the concurrent invocations of the push and buffer paths do.
 */
jest.setTimeout(120_000);

let emulators: RunningEmulators;
let client: DynamoDBDocumentClient;

beforeAll(async () => {
  emulators = await startEmulators(['dynamodb']);
  client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(emulators.endpoints.dynamodb!)));
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

/** A fresh downstream table per test, so each starts with every slot free. */
async function newTable(): Promise<string> {
  const TableName = `downstream-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return TableName;
}

const refusedIn = async (table: string) => Number((await client.send(new GetCommand({ TableName: table, Key: REFUSALS_KEY }))).Item?.['refused'] ?? 0);

test('of 12 callers racing for 3 permits, exactly 3 are admitted and 9 refused; all 3 are free again once returned', async () => {
  // GIVEN
  const table = await newTable();
  const semaphore = dynamoSemaphore(client, table);
  const leaseUntil = Date.now() + 60_000;
  // WHEN
  const permits = await Promise.all(Array.from({ length: 12 }, () => semaphore.tryAcquire(3, leaseUntil)));
  // THEN
  const admitted = permits.filter((p) => p !== undefined);
  expect(admitted).toHaveLength(3);
  expect(new Set(admitted.map((p) => p!.slot))).toEqual(new Set([0, 1, 2]));
  expect(await refusedIn(table)).toBe(9);
  // AND once returned, the next 3 callers are admitted
  await Promise.all(admitted.map((p) => semaphore.release(p!)));
  const again = await Promise.all(Array.from({ length: 3 }, () => semaphore.tryAcquire(3, leaseUntil)));
  expect(again.every((p) => p !== undefined)).toBe(true);
});

test("a permit whose holder never returns it is free at the holder's deadline, and the late return leaves the new holder's lease", async () => {
  // GIVEN the only permit held by a caller killed before it returned it, leased for 1.5 s
  const table = await newTable();
  const semaphore = dynamoSemaphore(client, table);
  const killed = await semaphore.tryAcquire(1, Date.now() + 1_500);
  expect(killed).toBeDefined();
  // WHEN a caller arrives before the deadline, and another after it
  const early = await semaphore.tryAcquire(1, Date.now() + 60_000);
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  const late = await semaphore.tryAcquire(1, Date.now() + 60_000);
  // THEN the early one is refused and the late one admitted to the same slot
  expect(early).toBeUndefined();
  expect(late).toEqual({ slot: 0, holder: expect.any(String) });
  // AND the killed caller's return, arriving now, does not free the late holder's slot
  await semaphore.release(killed!);
  const slot = (await client.send(new GetCommand({ TableName: table, Key: permitKey(0), ConsistentRead: true }))).Item;
  expect(slot?.['holder']).toBe(late!.holder);
  expect(await semaphore.tryAcquire(1, Date.now() + 60_000)).toBeUndefined();
  expect(await refusedIn(table)).toBe(2);
});
