import { BatchGetCommand, PutCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BreakerState } from '../../../lambda/orders/breaker';
import { providerCallsItemId, providerCallsOf, transitionItemId, transitionOf, type BreakerTransition, type ProviderCall } from '../../../lambda/orders/breaker-record';
import { FAULTS_ITEM_ID, type FaultSwitches } from '../../../lambda/orders/faults';
import { controlTable } from '../../../lambda/orders/store';
import type { Compensation, InventoryResult, OrderStatus, PaymentResult } from '../../../lambda/orders/saga';

/** What the lab reads of the orders, charges, stock and notifications tables. */

const BATCH_GET_KEYS = 100;

/** The items of `keys` in `tableName` (consistent reads, 100 keys per call, unprocessed keys retried). */
export async function batchGet(
  dynamodb: DynamoDBDocumentClient,
  tableName: string,
  keyName: string,
  keys: readonly string[],
): Promise<Record<string, unknown>[]> {
  return batchGetKeys(dynamodb, tableName, keys.map((key) => ({ [keyName]: key })));
}

/** The items of full keys (a partition and a sort key) in `tableName`, as `batchGet` reads them. */
export async function batchGetKeys(
  dynamodb: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_KEYS);
    while (pending && pending.length > 0) {
      const response: BatchGetCommandOutput = await dynamodb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(response.Responses?.[tableName] ?? []));
      pending = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

/** An order as the fan-in left it. */
export interface OrderRecord {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly payment?: PaymentResult;
  readonly inventory?: InventoryResult;
  readonly reason?: string;
  readonly compensated: readonly Compensation[];
  readonly placedAt: number;
  readonly finishedAt?: number;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
}

export function orderRecordOf(item: Record<string, unknown>): OrderRecord {
  const compensated = item.compensated instanceof Set ? [...(item.compensated as Set<Compensation>)].sort() : [];
  return {
    orderId: String(item.orderId),
    status: item.status as OrderStatus,
    ...(typeof item.payment === 'string' ? { payment: item.payment as PaymentResult } : {}),
    ...(typeof item.inventory === 'string' ? { inventory: item.inventory as InventoryResult } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    compensated,
    placedAt: Date.parse(String(item.placedAt)),
    ...(typeof item.finishedAt === 'string' ? { finishedAt: Date.parse(item.finishedAt) } : {}),
    items: Array.isArray(item.items) ? (item.items as OrderRecord['items']) : [],
  };
}

export async function readOrders(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[]): Promise<OrderRecord[]> {
  return (await batchGet(dynamodb, tableName, 'orderId', orderIds)).map(orderRecordOf);
}

/** One provider ledger entry: CHARGED, DECLINED, or REFUNDED after a compensation. */
export interface ChargeRecord {
  readonly orderId: string;
  readonly status: string;
  readonly amountCents: number;
  /** Calls the provider answered for the order: the charge, then one per repeated call. */
  readonly calls: number;
}

export async function readCharges(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[]): Promise<ChargeRecord[]> {
  return (await batchGet(dynamodb, tableName, 'orderId', orderIds)).map((item) => ({
    orderId: String(item.orderId),
    status: String(item.status),
    amountCents: Number(item.amountCents),
    calls: typeof item.calls === 'number' ? item.calls : 1,
  }));
}

export async function readNotifications(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[]): Promise<string[]> {
  return (await batchGet(dynamodb, tableName, 'orderId', orderIds)).map((item) => String(item.orderId));
}

/** One SKU's stock item: what is left and which orders hold some. */
export interface StockRecord {
  readonly sku: string;
  readonly stock: number;
  readonly holders: readonly string[];
}

/** Writes each SKU's initial stock (a run's SKUs are its own, so nothing of another run is touched). */
export async function seedStock(dynamodb: DynamoDBDocumentClient, tableName: string, stock: Readonly<Record<string, number>>): Promise<void> {
  for (const [sku, units] of Object.entries(stock)) {
    await dynamodb.send(new PutCommand({ TableName: tableName, Item: { sku, stock: units } }));
  }
}

export async function readStock(dynamodb: DynamoDBDocumentClient, tableName: string, skus: readonly string[]): Promise<StockRecord[]> {
  return (await batchGet(dynamodb, tableName, 'sku', skus)).map((item) => ({
    sku: String(item.sku),
    stock: Number(item.stock),
    holders: item.holders instanceof Set ? [...(item.holders as Set<string>)].sort() : [],
  }));
}

/** Sets the fault switches every worker reads (within its cache of about a second). */
export async function writeFaults(dynamodb: DynamoDBDocumentClient, tableName: string, faults: FaultSwitches): Promise<void> {
  await dynamodb.send(new PutCommand({ TableName: tableName, Item: { id: FAULTS_ITEM_ID, ...faults } }));
}

/** The payment breaker's state as the pool shares it (read as a worker reads it). */
export async function readBreaker(dynamodb: DynamoDBDocumentClient, tableName: string): Promise<BreakerState> {
  return controlTable(dynamodb, tableName).readBreaker();
}

/** The breaker transitions that wrote versions `from` (exclusive) to `to` (inclusive): the other versions only counted failures. */
export async function readTransitions(dynamodb: DynamoDBDocumentClient, tableName: string, from: number, to: number): Promise<BreakerTransition[]> {
  const ids = Array.from({ length: Math.max(0, to - from) }, (_, i) => transitionItemId(from + 1 + i));
  return (await batchGet(dynamodb, tableName, 'id', ids)).map(transitionOf).sort((a, b) => a.version - b.version);
}

/** Every provider call of `orderIds`, from each order's call log. */
export async function readProviderCalls(dynamodb: DynamoDBDocumentClient, tableName: string, orderIds: readonly string[]): Promise<ProviderCall[]> {
  const items = await batchGet(dynamodb, tableName, 'id', orderIds.map(providerCallsItemId));
  return items.flatMap(providerCallsOf).sort((a, b) => a.at - b.at);
}
