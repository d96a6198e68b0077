import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppendResult, CheckpointKey, CheckpointPort, CheckpointRun } from './core';

/**
 * The checkpoint table (pk `consumer`, sk `shardId`) behind the core's CheckpointPort. Every write is
 * a single UpdateItem: counts grow with ADD and the checkpoint only moves forward under a condition,
 * so two deliveries racing on one shard can never both count the same records (no read-modify-write).
 */
export function createCheckpointStore(client: DynamoDBDocumentClient, tableName: string): CheckpointPort {
  return {
    async appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { consumer: key.consumer, shardId: key.shardId },
            UpdateExpression: 'SET #last = :last ADD #records :records, #violations :violations',
            ConditionExpression: 'attribute_not_exists(#last) OR #last < :first',
            ExpressionAttributeNames: {
              '#last': 'lastSequenceNumber',
              '#records': 'records',
              '#violations': 'orderViolations',
            },
            ExpressionAttributeValues: {
              ':first': run.firstSequenceNumber,
              ':last': run.lastSequenceNumber,
              ':records': run.records,
              ':violations': run.orderViolations,
            },
            // The refusal carries the stored checkpoint: no second request to learn where it is.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { applied: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const stored = error.Item?.['lastSequenceNumber']?.S;
        if (stored === undefined) {
          throw new Error(`checkpoint of ${key.consumer}/${key.shardId} refused a run but returned no lastSequenceNumber`, {
            cause: error,
          });
        }
        return { applied: false, lastSequenceNumber: stored };
      }
    },

    async addOrderViolations(key: CheckpointKey, count: number): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { consumer: key.consumer, shardId: key.shardId },
          UpdateExpression: 'ADD #violations :violations',
          ExpressionAttributeNames: { '#violations': 'orderViolations' },
          ExpressionAttributeValues: { ':violations': count },
        }),
      );
    },
  };
}
