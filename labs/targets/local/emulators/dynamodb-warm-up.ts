import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { localClientConfig } from './client-config';

/**
 * DynamoDB Local's first item write costs about 200 ms (measured on a fresh emulator: the first
 * conditional UpdateItem took 180-230 ms, the next 10-25 ms), the JVM loading and interpreting its
 * expression and write path; DynamoDB has no such first-write penalty, so a lab's first write would
 * show an artifact of the emulator (a permit taken late, a first latency off by 0.2 s). At start, the
 * emulator therefore serves once each kind of request the stacks' functions send, on a table of its
 * own that is deleted before the emulator is reported ready: no one ever sees it.
 */
export async function warmUpDynamoDbLocal(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  const TableName = `labs-warm-up-${randomBytes(6).toString('hex')}`;
  const Key = { pk: { S: 'warm-up' } };
  try {
    await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    try {
      const conditional = new UpdateItemCommand({
        TableName,
        Key,
        UpdateExpression: 'SET holder = :holder, leaseUntil = :until ADD calls :one',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now',
        ExpressionAttributeValues: { ':holder': { S: 'warm-up' }, ':until': { N: '1' }, ':now': { N: '0' }, ':one': { N: '1' } },
      });
      await client.send(conditional);
      // The same write again fails its condition: the error path is as cold as the write path.
      try {
        await client.send(conditional);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      await client.send(new UpdateItemCommand({ TableName, Key, UpdateExpression: 'REMOVE holder, leaseUntil', ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': { S: 'warm-up' } } }));
      await client.send(new GetItemCommand({ TableName, Key }));
      await client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [Key] } } }));
      await client.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'warm-up' } } }));
    } finally {
      await client.send(new DeleteTableCommand({ TableName }));
    }
  } finally {
    client.destroy();
  }
}
