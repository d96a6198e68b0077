import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';

/** One consumer's checkpoint of one (shard, partition key), as the stream handler writes it. */
export interface KeyCheckpoint {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly records: number;
  readonly orderViolations: number;
  /** Comparable (zero-padded) sequence number of the key's last processed record. */
  readonly lastSequenceNumber: string;
  /** Epoch milliseconds of the key's first and last processed record. */
  readonly firstProcessedAt: number;
  readonly lastProcessedAt: number;
}

/** Every key checkpoint of each consumer, read with consistent reads. */
export async function readKeyCheckpoints(
  session: TargetSession<StreamOutput>,
  tableName: string,
  consumers: readonly string[],
): Promise<Map<string, KeyCheckpoint[]>> {
  const result = new Map<string, KeyCheckpoint[]>();
  for (const consumer of consumers) {
    const keys: KeyCheckpoint[] = [];
    const pages = paginateQuery(
      { client: session.clients.dynamodb },
      {
        TableName: tableName,
        KeyConditionExpression: '#consumer = :consumer',
        ExpressionAttributeNames: { '#consumer': 'consumer' },
        ExpressionAttributeValues: { ':consumer': consumer },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        keys.push({
          shardId: String(item.shardId),
          partitionKey: String(item.partitionKey),
          records: Number(item.records ?? 0),
          orderViolations: Number(item.orderViolations ?? 0),
          lastSequenceNumber: String(item.lastSequenceNumber ?? ''),
          firstProcessedAt: Number(item.firstProcessedAt ?? 0),
          lastProcessedAt: Number(item.lastProcessedAt ?? 0),
        });
      }
    }
    result.set(consumer, keys);
  }
  return result;
}
