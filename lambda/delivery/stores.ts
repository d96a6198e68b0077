import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GuaranteePorts } from './guarantees-core';
import type { Arrival } from './ordering-core';
import type { Completion, SemaphorePorts } from './semaphore-core';

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

/** The key of a group's arrival list in the arrivals table: one item per run, queue kind and group. */
export function arrivalsKey(runId: string, kind: 'standard' | 'fifo', group: string): { groupKey: string } {
  return { groupKey: `${runId}#${kind}#${group}` };
}

/**
 * Appends each processed message to its group's list, in one atomic update per message, so the list
 * is the order the consumers processed the group in.
 */
export function dynamoArrivals(client: DynamoDBDocumentClient, tableName: string, kind: 'standard' | 'fifo') {
  return {
    async recordArrival(arrival: Arrival): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: arrivalsKey(arrival.runId, kind, arrival.group),
          UpdateExpression: 'SET arrivals = list_append(if_not_exists(arrivals, :none), :arrival)',
          ExpressionAttributeValues: { ':none': [], ':arrival': [{ seq: arrival.seq, startedAt: arrival.startedAt, endedAt: arrival.endedAt }] },
        }),
      );
    },
  };
}

/** The key of a completed downstream call in the downstream table (next to the semaphore item). */
export function completionKey(runId: string, messageId: string): { name: string } {
  return { name: `done#${runId}#${messageId}` };
}

/** Records a completed call; `calls` counts completions, so a duplicate delivery shows as 2. */
export function dynamoCompletions(client: DynamoDBDocumentClient, tableName: string) {
  return {
    async recordCompletion(completion: Completion): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: completionKey(completion.runId, completion.messageId),
          UpdateExpression: 'SET sentAt = :sentAt, completedAt = :completedAt ADD calls :one',
          ExpressionAttributeValues: { ':sentAt': completion.sentAt, ':completedAt': completion.completedAt, ':one': 1 },
        }),
      );
    },
  };
}
