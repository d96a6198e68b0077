import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppendResult, CheckpointKey, CheckpointPort, CheckpointRun } from './core';

/** The checkpoint table's sort key of one (shard, partition key): `shardId-000000000001#alice`. */
export function shardKeyOf(shardId: string, partitionKey: string): string {
  return `${shardId}#${partitionKey}`;
}

/**
 * The checkpoint table (pk `consumer`, sk `shardKey` = shard and partition key) behind the core's
 * CheckpointPort. Every write is a single UpdateItem: counts grow with ADD and the checkpoint only moves
 * forward under a condition, so two deliveries racing on one key can never both count the same records
 * (no read-modify-write). `shardId` and `partitionKey` are stored too, so a reader needs no parsing.
 */
export function createCheckpointStore(client: DynamoDBDocumentClient, tableName: string): CheckpointPort {
  const keyOf = (key: CheckpointKey) => ({ consumer: key.consumer, shardKey: shardKeyOf(key.shardId, key.partitionKey) });
  return {
    async appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression:
              'SET #last = :last, #shard = :shard, #pk = :pk, #firstAt = if_not_exists(#firstAt, :firstAt), #lastAt = :lastAt ' +
              'ADD #records :records, #violations :violations',
            ConditionExpression: 'attribute_not_exists(#last) OR #last < :first',
            ExpressionAttributeNames: {
              '#last': 'lastSequenceNumber',
              '#shard': 'shardId',
              '#pk': 'partitionKey',
              '#firstAt': 'firstProcessedAt',
              '#lastAt': 'lastProcessedAt',
              '#records': 'records',
              '#violations': 'orderViolations',
            },
            ExpressionAttributeValues: {
              ':first': run.firstSequenceNumber,
              ':last': run.lastSequenceNumber,
              ':shard': key.shardId,
              ':pk': key.partitionKey,
              ':firstAt': run.firstProcessedAt,
              ':lastAt': run.lastProcessedAt,
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
          throw new Error(`checkpoint of ${key.consumer}/${shardKeyOf(key.shardId, key.partitionKey)} refused a run but returned no lastSequenceNumber`, {
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
          Key: keyOf(key),
          UpdateExpression: 'ADD #violations :violations',
          ExpressionAttributeNames: { '#violations': 'orderViolations' },
          ExpressionAttributeValues: { ':violations': count },
        }),
      );
    },
  };
}
