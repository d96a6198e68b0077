import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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

/**
 * Takes this run's messages off a queue (a dead-letter queue, read by no consumer): receives what is
 * there, deletes the messages `ours` accepts and counts them, and makes the others visible again at
 * once for whoever they belong to. Returns how many of ours it deleted in this call; `onTaken` sees
 * the body of each.
 */
export async function takeOwnMessages(sqs: SQSClient, queueUrl: string, ours: (body: string) => boolean, onTaken?: (body: string) => void): Promise<number> {
  let taken = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
    if (Messages.length === 0) return taken;
    const mine = Messages.filter((message) => ours(message.Body ?? ''));
    const others = Messages.filter((message) => !ours(message.Body ?? ''));
    if (mine.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: mine.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle })) }));
      taken += mine.length;
      for (const message of mine) onTaken?.(message.Body ?? '');
    }
    if (others.length > 0) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: others.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })) }),
      );
      // Only others' messages left: receiving again would hand them straight back.
      if (mine.length === 0) return taken;
    }
  }
}

/**
 * The message a dead-letter queue body carries: the body itself (a queue's message), or the first
 * record's SNS message (the event Lambda gave up on, as a push dead-letter queue holds it).
 */
function messageOfBody(body: string): { runId?: unknown; messageId?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as { runId?: unknown; messageId?: unknown; Records?: Array<{ Sns?: { Message?: string } }> };
    const inner = parsed.Records?.[0]?.Sns?.Message;
    return inner === undefined ? parsed : (JSON.parse(inner) as { runId?: unknown; messageId?: unknown });
  } catch {
    return undefined;
  }
}

/** Whether a JSON body (or an SNS event's first message, as a push dead-letter queue holds it) carries `runId`. */
export function bodyOfRun(runId: string): (body: string) => boolean {
  return (body) => messageOfBody(body)?.runId === runId;
}

/** The business message id of a dead-lettered body (a queue's message, or the SNS event that carried it). */
export function deadLetteredMessageId(body: string): string | undefined {
  const messageId = messageOfBody(body)?.messageId;
  return typeof messageId === 'string' ? messageId : undefined;
}
