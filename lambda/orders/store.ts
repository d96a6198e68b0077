import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BreakerState } from './breaker';
import { INITIAL_BREAKER } from './breaker';
import { BREAKER_ITEM_ID, providerCallsItemId, RECORD_TTL_ATTRIBUTE, recordExpiry, transitionItemId, type ProviderCall } from './breaker-record';
import type { FanInPorts, SideResult } from './fan-in';
import { FAULTS_ITEM_ID, faultSwitchesOf, type FaultSwitches } from './faults';
import type { Compensation, OrderProgress } from './saga';
import type { OrderPlaced } from './schemas';

export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A transaction cancelled because one of its conditions did not hold (it reports one reason per item). */
function isCancelledByCondition(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] } | undefined)?.CancellationReasons;
  return error instanceof Error && error.name === 'TransactionCanceledException' && reasons?.some((r) => r.Code === 'ConditionalCheckFailed') === true;
}

/** Runs a conditional write; false when its condition did not hold. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

function progressOf(item: Record<string, unknown> | undefined, orderId: string): OrderProgress {
  if (item === undefined) throw new Error(`order ${orderId} is not in the orders table: the intake writes it before publishing`);
  return {
    status: item['status'] as OrderProgress['status'],
    ...(item['payment'] ? { payment: item['payment'] as OrderProgress['payment'] } : {}),
    ...(item['inventory'] ? { inventory: item['inventory'] as OrderProgress['inventory'] } : {}),
    ...(item['compensated'] instanceof Set ? { compensated: [...(item['compensated'] as Set<Compensation>)] } : {}),
  };
}

/** The orders table: the intake's write, and the fan-in's conditional updates. */
export function ordersTable(client: DynamoDBDocumentClient, tableName: string, undo: (orderId: string, compensation: Compensation) => Promise<void>) {
  const read = async (orderId: string): Promise<OrderProgress> =>
    progressOf((await client.send(new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }))).Item, orderId);
  const fanIn: FanInPorts = {
    read,
    async recordSide(orderId, { side, result }: SideResult) {
      try {
        const updated = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { orderId },
            UpdateExpression: 'SET #side = :result',
            ConditionExpression: 'attribute_exists(orderId) AND attribute_not_exists(#side)',
            ExpressionAttributeNames: { '#side': side },
            ExpressionAttributeValues: { ':result': result },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return progressOf(updated.Attributes, orderId);
      } catch (error) {
        // A redelivery: the first answer stands, and the decision it led to is finished below.
        if (!isConditionalCheckFailure(error)) throw error;
        return read(orderId);
      }
    },
    finish: (orderId, to, reason) =>
      conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { orderId },
            UpdateExpression: 'SET #status = :to, finishedAt = :now' + (reason ? ', reason = :reason' : ''),
            ConditionExpression: '#status = :placed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':to': to, ':now': new Date().toISOString(), ':placed': 'PLACED', ...(reason ? { ':reason': reason } : {}) },
          }),
        ),
      ),
    async compensate(orderId, compensation) {
      await undo(orderId, compensation);
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { orderId },
            UpdateExpression: 'ADD compensated :done',
            ConditionExpression: 'NOT contains(compensated, :one)',
            ExpressionAttributeValues: { ':done': new Set([compensation]), ':one': compensation },
          }),
        ),
      );
    },
  };
  return {
    fanIn,
    /** Writes a new order; false when it is already there (a client retry after a failed publish). */
    putPlaced: (order: OrderPlaced) =>
      conditional(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...order, status: 'PLACED' },
            ConditionExpression: 'attribute_not_exists(orderId)',
          }),
        ),
      ),
    async get(orderId: string): Promise<Record<string, unknown> | undefined> {
      return (await client.send(new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }))).Item;
    },
  };
}

/** The control table: the payment breaker's shared state and the fault switches. */
export function controlTable(client: DynamoDBDocumentClient, tableName: string) {
  return {
    async readBreaker(): Promise<BreakerState> {
      const item = (await client.send(new GetCommand({ TableName: tableName, Key: { id: BREAKER_ITEM_ID }, ConsistentRead: true }))).Item;
      if (item === undefined) return INITIAL_BREAKER;
      return { status: item['status'], failures: item['failures'], openUntil: item['openUntil'], version: item['version'] } as BreakerState;
    },
    /**
     * Writes `next` if the stored state is still `current` (same version). A change of status is written
     * in one transaction with its transition item, so the lab's record of transitions is the breaker's.
     */
    writeBreaker: (next: BreakerState, current: BreakerState) => {
      const now = Date.now();
      const put = {
        TableName: tableName,
        Item: { id: BREAKER_ITEM_ID, ...next, changedAt: new Date(now).toISOString() },
        ConditionExpression: current.version === 0 ? 'attribute_not_exists(id) OR version = :v' : 'version = :v',
        ExpressionAttributeValues: { ':v': current.version },
      };
      if (next.status === current.status) return conditional(() => client.send(new PutCommand(put)));
      const transition = { id: transitionItemId(next.version), at: now, from: current.status, to: next.status, version: next.version, [RECORD_TTL_ATTRIBUTE]: recordExpiry(now) };
      return client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: { TableName: tableName, Item: transition } }] })).then(
        () => true,
        (error: unknown) => {
          if (isCancelledByCondition(error)) return false;
          throw error;
        },
      );
    },
    /** Appends one provider call to its order's call log (an order's calls come one at a time). */
    async recordCall(orderId: string, call: ProviderCall): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: providerCallsItemId(orderId) },
          UpdateExpression: 'SET calls = list_append(if_not_exists(calls, :none), :call), #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': RECORD_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':none': [], ':call': [call], ':ttl': recordExpiry(call.at) },
        }),
      );
    },
    async readFaults(): Promise<FaultSwitches> {
      return faultSwitchesOf((await client.send(new GetCommand({ TableName: tableName, Key: { id: FAULTS_ITEM_ID } }))).Item);
    },
  };
}

/**
 * The stock table: one item per SKU with the orders holding some of it and those that gave theirs back.
 * Both updates are conditional, so stock never goes below zero and an order takes (and gives back) its
 * share at most once.
 */
export function stockTable(client: DynamoDBDocumentClient, tableName: string) {
  return {
    async reserve(orderId: string, sku: string, quantity: number): Promise<boolean> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { sku },
            UpdateExpression: 'SET stock = stock - :q ADD holders :order',
            // An order whose stock was given back (it was rejected) never takes it again: a redelivery
            // of its inventory message after the compensation would otherwise hold stock for nothing.
            ConditionExpression: 'stock >= :q AND NOT contains(holders, :id) AND NOT contains(released, :id)',
            ExpressionAttributeValues: { ':q': quantity, ':order': new Set([orderId]), ':id': orderId },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        // Held already: an earlier delivery of this order took it. The item comes back marshalled.
        const old = (error as { Item?: { holders?: { SS?: string[] } } }).Item;
        return old?.holders?.SS?.includes(orderId) === true;
      }
    },
    async release(orderId: string, sku: string, quantity: number): Promise<void> {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { sku },
            UpdateExpression: 'SET stock = stock + :q DELETE holders :order ADD released :order',
            ConditionExpression: 'contains(holders, :id)',
            ExpressionAttributeValues: { ':q': quantity, ':order': new Set([orderId]), ':id': orderId },
          }),
        ),
      );
    },
  };
}
