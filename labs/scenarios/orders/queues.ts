import { GetQueueAttributesCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { receiveMessages, releaseMessages } from '../batching';

/** The order id an order message's body carries (raw delivery: the OrderPlaced JSON), if any. */
export function orderIdOfMessage(message: Pick<Message, 'Body'>): string | undefined {
  try {
    const body = JSON.parse(message.Body ?? '') as { orderId?: unknown };
    return typeof body.orderId === 'string' ? body.orderId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The messages of `orderIds` in a dead-letter queue, looked at and left where they are: every message
 * is received (so none is counted twice), then all are made visible again for a redrive to move.
 */
export async function peekOrderMessages(sqs: SQSClient, queueUrl: string, orderIds: ReadonlySet<string>): Promise<Message[]> {
  const seen: Message[] = [];
  for (;;) {
    const batch = await receiveMessages(sqs, queueUrl, 0);
    if (batch.length === 0) break;
    seen.push(...batch);
  }
  await releaseMessages(sqs, queueUrl, seen);
  return seen.filter((m) => {
    const id = orderIdOfMessage(m);
    return id !== undefined && orderIds.has(id);
  });
}

/** A queue's visibility timeout, as the queue reports it (how long a failed batch stays hidden). */
export async function visibilityTimeoutSeconds(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }));
  const seconds = Number(Attributes?.VisibilityTimeout);
  if (!Number.isFinite(seconds)) throw new Error(`queue ${queueUrl} reported no VisibilityTimeout`);
  return seconds;
}
