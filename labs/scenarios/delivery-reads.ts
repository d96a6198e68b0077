import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_KEYS = 100;

/** Messages a queue still holds, waiting or in flight: 0 once every message was deleted. */
export async function messagesLeft(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** The items of `keys` that exist, read 100 keys per call, unprocessed keys asked for again. */
export async function getItems(dynamodb: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [tableName]: { Keys: keys.slice(start, start + BATCH_GET_KEYS) } };
    while (request !== undefined && Object.keys(request).length > 0) {
      const response = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(response.Responses?.[tableName] ?? []));
      request = response.UnprocessedKeys as typeof request;
    }
  }
  return items;
}
