import type { SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda delivers it; a `group` makes it a FIFO queue's record. */
export function sqsRecord(messageId: string, body: unknown, { receiveCount = 1, group }: { receiveCount?: number; group?: string } = {}): SQSRecord {
  const queue = group === undefined ? 'queue' : 'queue.fifo';
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      ...(group === undefined ? {} : { MessageGroupId: group }),
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
    awsRegion: 'us-east-1',
  };
}
