import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredContribution, ViewPort, ViewWrite } from './core';

/** The sort key of an item's contribution record, next to the view items it made. */
const CONTRIBUTION = 'contribution';

export function contributionKey(itemId: string, keyPrefix = ''): { pk: string; sk: string } {
  return { pk: `${keyPrefix}item#${itemId}`, sk: CONTRIBUTION };
}

/** Where a view's items go in its table: the projectors' at no prefix, a lab's copies of a view under their own. */
export const VIEW_PREFIXES = { live: '', dualWrite: 'dual-write#', rebuild: 'rebuild#' } as const;

/**
 * The view port on a DynamoDB table: an item's contribution record and the view writes go in one
 * transaction, conditional on the contribution record still being the one read, so a change is
 * applied whole or not at all, and never over a newer one. `keyPrefix` keeps another copy of the view
 * (a rebuild) in the same table, apart from the one the projector keeps.
 */
export function createViewStore<C>(client: DynamoDBDocumentClient, tableName: string, keyPrefix = ''): ViewPort<C> {
  return {
    async read(itemId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: contributionKey(itemId, keyPrefix), ConsistentRead: true }));
      if (Item === undefined) return undefined;
      return { sequenceNumber: Item.sequenceNumber as string, contribution: (Item.contribution ?? null) as C | null, changes: Number(Item.changes ?? 0) };
    },
    async commit(itemId, expected, next, writes) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [contributionWrite(tableName, itemId, expected, next, keyPrefix), ...writes.map((write) => viewWrite(tableName, write, keyPrefix))],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}

/**
 * Applies view writes as they come, with no contribution record and no condition: what an application
 * writing its view itself (a dual write) does, through the same writes the projectors make.
 */
export async function writeViewDirectly(client: DynamoDBDocumentClient, tableName: string, writes: readonly ViewWrite[], keyPrefix: string): Promise<void> {
  if (writes.length === 0) return;
  await client.send(new TransactWriteCommand({ TransactItems: writes.map((write) => viewWrite(tableName, write, keyPrefix)) }));
}

function contributionWrite<C>(tableName: string, itemId: string, expected: StoredContribution<C> | undefined, next: StoredContribution<C>, keyPrefix: string) {
  return {
    Put: {
      TableName: tableName,
      // appliedAt lets the lab measure the lag from the source write to the view.
      Item: { ...contributionKey(itemId, keyPrefix), itemId, sequenceNumber: next.sequenceNumber, contribution: next.contribution, changes: next.changes, appliedAt: Date.now() },
      ...(expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'sequenceNumber = :expected', ExpressionAttributeValues: { ':expected': expected.sequenceNumber } }),
    },
  };
}

function viewWrite(tableName: string, write: ViewWrite, keyPrefix: string) {
  const Key = { pk: `${keyPrefix}${write.pk}`, sk: write.sk };
  switch (write.type) {
    case 'put':
      return { Put: { TableName: tableName, Item: { ...Key, ...write.attributes } } };
    case 'delete':
      return { Delete: { TableName: tableName, Key } };
    case 'add': {
      const names = Object.keys(write.counters);
      return {
        Update: {
          TableName: tableName,
          Key,
          UpdateExpression: `ADD ${names.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#c${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:c${i}`, write.counters[name]])),
        },
      };
    }
  }
}

/** The transaction was cancelled because the contribution record moved on (the first item's condition). */
function isConditionFailure(error: unknown): boolean {
  return error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
}

/** Key of the downstream failure switch in a view table: the lab sets it, the projector reads it per invocation. */
export const DOWNSTREAM_SWITCH_KEY = { pk: 'switch#downstream', sk: 'switch' } as const;

/**
 * The failure switch of a projector's downstream, the same on AWS and locally: `refusals` is how many
 * invocations the downstream still refuses; each refusal takes one, atomically, and counts itself in
 * `refused`. Returns whether this invocation is refused.
 */
export async function downstreamRefuses(client: DynamoDBDocumentClient, tableName: string): Promise<boolean> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: DOWNSTREAM_SWITCH_KEY, ConsistentRead: true }));
  if (!(Number(Item?.refusals ?? 0) > 0)) return false;
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: DOWNSTREAM_SWITCH_KEY,
        UpdateExpression: 'SET refusals = refusals - :one ADD refused :one',
        ConditionExpression: 'refusals > :zero',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
