import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Completion, RecordResult } from './core';

/**
 * The ledger port: one conditional write per completion. The condition (no completion yet) is checked
 * by DynamoDB atomically with the write, so two workers completing the same task cannot both count it;
 * the loser only bumps `suppressedRedeliveries`, which lets the lab show that a duplicate happened.
 */
export function createLedger(client: DynamoDBDocumentClient, tableName: string) {
  return {
    async recordCompletion(completion: Completion): Promise<RecordResult> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { taskId: completion.taskId },
            UpdateExpression:
              'SET runId = :runId, workerId = :workerId, attempts = :attempts, completedAt = :completedAt, expiresAt = :expiresAt ADD completions :one',
            ConditionExpression: 'attribute_not_exists(completions)',
            ExpressionAttributeValues: {
              ':runId': completion.runId,
              ':workerId': completion.workerId,
              ':attempts': completion.attempts,
              ':completedAt': completion.completedAt,
              ':expiresAt': completion.expiresAt,
              ':one': 1,
            },
          }),
        );
        return 'recorded';
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
      }
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { taskId: completion.taskId },
          UpdateExpression: 'ADD suppressedRedeliveries :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
      return 'already-completed';
    },
  };
}

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
