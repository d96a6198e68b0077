import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GuaranteePorts } from './guarantees-core';
import type { SemaphorePorts } from './semaphore-core';

/** The key of the one semaphore item the downstream's permits are counted in. */
export const SEMAPHORE_KEY = { name: 'downstream' } as const;

/**
 * The downstream's semaphore in one DynamoDB item: a permit is a conditional increment of `taken`
 * (refused once `taken` reaches the capacity), its return a decrement. DynamoDB checks the condition
 * atomically with the write, so K concurrent callers at most ever hold a permit.
 */
export function dynamoSemaphore(client: DynamoDBDocumentClient, tableName: string): SemaphorePorts {
  return {
    async tryAcquire(capacity) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: SEMAPHORE_KEY,
            UpdateExpression: 'ADD taken :one, admitted :one',
            ConditionExpression: 'attribute_not_exists(taken) OR taken < :capacity',
            ExpressionAttributeValues: { ':one': 1, ':capacity': capacity },
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      await client.send(
        new UpdateCommand({ TableName: tableName, Key: SEMAPHORE_KEY, UpdateExpression: 'ADD refused :one', ExpressionAttributeValues: { ':one': 1 } }),
      );
      return false;
    },
    async release() {
      await client.send(
        new UpdateCommand({ TableName: tableName, Key: SEMAPHORE_KEY, UpdateExpression: 'ADD taken :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } }),
      );
    },
  };
}

/** The effect counters of the guarantees lab, one item per business message id. */
export function dynamoEffects(client: DynamoDBDocumentClient, tableName: string): Pick<GuaranteePorts, 'countEffect' | 'countEffectOnce'> {
  const count = (messageId: string, condition?: string) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { messageId },
        UpdateExpression: 'ADD effects :one',
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  return {
    async countEffect(messageId) {
      await count(messageId);
    },
    async countEffectOnce(messageId) {
      try {
        await count(messageId, 'attribute_not_exists(effects)');
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
