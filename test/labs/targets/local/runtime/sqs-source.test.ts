import type { Message } from '@aws-sdk/client-sqs';
import { failedMessageIds, toSqsRecord } from '../../../../../labs/targets/local/runtime/sqs-source';

const batch: Message[] = [
  { MessageId: 'a', ReceiptHandle: 'ra', Body: '{}' },
  { MessageId: 'b', ReceiptHandle: 'rb', Body: '{}' },
];

describe('failedMessageIds', () => {
  it.each([
    ['null', null],
    ['no batchItemFailures', { ok: true }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as a fully successful batch', (_name, payload) => {
    expect(failedMessageIds(payload, batch)).toEqual(new Set());
  });

  it('returns the reported ids', () => {
    expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: 'b' }] }, batch)).toEqual(new Set(['b']));
  });

  it.each([
    ['an id not in the batch', { batchItemFailures: [{ itemIdentifier: 'z' }] }],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a missing id', { batchItemFailures: [{}] }],
    ['a non-list', { batchItemFailures: 'b' }],
  ])('fails the whole batch for %s', (_name, payload) => {
    expect(failedMessageIds(payload, batch)).toBeUndefined();
  });
});

describe('toSqsRecord', () => {
  it('converts binary attributes to base64 and names the queue', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: 'hello',
        MD5OfBody: '5d41402abc4b2a76b9719d911017c592',
        Attributes: { ApproximateReceiveCount: '2' },
        MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );

    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: 'hello',
      attributes: { ApproximateReceiveCount: '2' },
      messageAttributes: { blob: { binaryValue: 'aGk=', dataType: 'Binary', stringListValues: [], binaryListValues: [] } },
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});
