import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredContribution, ViewPort, ViewWrite } from './core';

/** The sort key of an item's contribution record, next to the view items it made. */
const CONTRIBUTION = 'contribution';

export function contributionKey(itemId: string): { pk: string; sk: string } {
  return { pk: `item#${itemId}`, sk: CONTRIBUTION };
}

/**
 * The view port on a DynamoDB table: an item's contribution record and the view writes go in one
 * transaction, conditional on the contribution record still being the one read, so a change is
 * applied whole or not at all, and never over a newer one.
 */
export function createViewStore<C>(client: DynamoDBDocumentClient, tableName: string): ViewPort<C> {
  return {
    async read(itemId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: contributionKey(itemId), ConsistentRead: true }));
      if (Item === undefined) return undefined;
      return { sequenceNumber: Item.sequenceNumber as string, contribution: (Item.contribution ?? null) as C | null, changes: Number(Item.changes ?? 0) };
    },
    async commit(itemId, expected, next, writes) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [contributionWrite(tableName, itemId, expected, next), ...writes.map((write) => viewWrite(tableName, write))],
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

function contributionWrite<C>(tableName: string, itemId: string, expected: StoredContribution<C> | undefined, next: StoredContribution<C>) {
  return {
    Put: {
      TableName: tableName,
      // appliedAt lets the lab measure the lag from the source write to the view.
      Item: { ...contributionKey(itemId), itemId, sequenceNumber: next.sequenceNumber, contribution: next.contribution, changes: next.changes, appliedAt: Date.now() },
      ...(expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'sequenceNumber = :expected', ExpressionAttributeValues: { ':expected': expected.sequenceNumber } }),
    },
  };
}

function viewWrite(tableName: string, write: ViewWrite) {
  const Key = { pk: write.pk, sk: write.sk };
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
