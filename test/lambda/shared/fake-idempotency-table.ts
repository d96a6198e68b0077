import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;

/**
 * Enough of DynamoDB for Powertools idempotency's persistence layer, on a mocked DynamoDBClient: the
 * conditional put of a record (refused while a live record exists, returning it as Powertools reads
 * it), the update that completes it, and the delete after a failure. Returns the records by id.
 */
export function installFakeIdempotencyTable(client: AwsClientStub<DynamoDBClient>): Map<string, Item> {
  const records = new Map<string, Item>();
  client.on(PutItemCommand).callsFake(async (input: { Item: Item }) => {
    const key = input.Item['id']!.S!;
    const existing = records.get(key);
    const live =
      existing !== undefined &&
      (existing['status']!.S === 'COMPLETED'
        ? Number(existing['expiration']!.N) >= Date.now() / 1000
        : Number(existing['in_progress_expiration']?.N ?? 0) >= Date.now());
    if (live) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: existing });
    }
    records.set(key, { ...input.Item });
    return {};
  });
  client.on(UpdateItemCommand).callsFake(async (input: { Key: Item; ExpressionAttributeValues: Item }) => {
    const key = input.Key['id']!.S!;
    const values = input.ExpressionAttributeValues;
    records.set(key, {
      ...records.get(key),
      status: values[':status']!,
      expiration: values[':expiry']!,
      ...(values[':response_data'] ? { data: values[':response_data'] } : {}),
    });
    return {};
  });
  client.on(DeleteItemCommand).callsFake(async (input: { Key: Item }) => {
    records.delete(input.Key['id']!.S!);
    return {};
  });
  client.on(GetItemCommand).callsFake(async (input: { Key: Item }) => ({ Item: records.get(input.Key['id']!.S!) }));
  return records;
}
