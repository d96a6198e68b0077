import { mockClient } from 'aws-sdk-client-mock';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { chunkBatches, publishBatches, putRecordsBatched, releaseMessages, sendMessageBatches, SQS_BATCH_BYTES } from '../../../labs/scenarios/batching';

describe('chunkBatches', () => {
  const size = (s: string): number => s.length;

  test('cuts at the entry limit', () => {
    expect(chunkBatches(['a', 'b', 'c', 'd', 'e'], 2, 100, size)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('cuts before a batch would exceed the byte limit', () => {
    expect(chunkBatches(['aaaa', 'bbbb', 'cc', 'd'], 10, 8, size)).toEqual([['aaaa', 'bbbb'], ['cc', 'd']]);
  });

  test('fails if one entry alone is over the byte limit', () => {
    expect(() => chunkBatches(['aaaaaaaaa'], 10, 8, size)).toThrow(/entry of 9 bytes exceeds the batch limit of 8 bytes/);
  });

  test('no entries, no batches', () => {
    expect(chunkBatches([], 10, 8, size)).toEqual([]);
  });
});

describe('sendMessageBatches', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  test('sends 25 messages in 3 calls of at most 10', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const report = await sendMessageBatches(new SQSClient({ region: 'us-east-1' }), 'q', Array.from({ length: 25 }, (_, i) => `m${i}`));
    expect(report.calls).toBe(3);
    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  test('keeps each batch under 64 KiB, so it is billed as one request', async () => {
    sqs.on(SendMessageBatchCommand).resolves({});
    const body = 'x'.repeat(20 * 1024);
    await sendMessageBatches(new SQSClient({ region: 'us-east-1' }), 'q', [body, body, body, body]);
    for (const call of sqs.commandCalls(SendMessageBatchCommand)) {
      const bytes = (call.args[0].input.Entries ?? []).reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(SQS_BATCH_BYTES);
    }
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  test('resends only the entries a call reports as failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] })
      .resolves({});
    const report = await sendMessageBatches(new SQSClient({ region: 'us-east-1' }), 'q', ['a', 'b', 'c']);
    expect(report.calls).toBe(2);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries).toEqual([{ Id: '1', MessageBody: 'b' }]);
  });

  test('fails if the service rejects an entry as the sender\'s fault', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad' }] });
    await expect(sendMessageBatches(new SQSClient({ region: 'us-east-1' }), 'q', ['a'])).rejects.toThrow(/SendMessageBatch rejected entry 0: InvalidMessageContents bad/);
  });
});

describe('publishBatches', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  test('publishes 11 messages in 2 PublishBatch calls', async () => {
    sns.on(PublishBatchCommand).resolves({});
    const report = await publishBatches(new SNSClient({ region: 'us-east-1' }), 'arn:topic', Array.from({ length: 11 }, (_, i) => `m${i}`));
    expect(report.calls).toBe(2);
    expect(sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries?.length)).toEqual([10, 1]);
  });
});

describe('putRecordsBatched', () => {
  const kinesis = mockClient(KinesisClient);
  beforeEach(() => kinesis.reset());
  const entries = Array.from({ length: 3 }, (_, i) => ({ data: new TextEncoder().encode(`{"i":${i}}`), partitionKey: `user${i}` }));

  test('puts again the records a call reports as failed, and returns every record\'s shard in input order', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          { ShardId: 's0', SequenceNumber: '1' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
          { ShardId: 's1', SequenceNumber: '2' },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ ShardId: 's0', SequenceNumber: '3' }] });
    const result = await putRecordsBatched(new KinesisClient({ region: 'us-east-1' }), 'stream', entries);
    expect(result.calls).toBe(2);
    expect(result.records).toEqual([
      { shardId: 's0', sequenceNumber: '1' },
      { shardId: 's0', sequenceNumber: '3' },
      { shardId: 's1', sequenceNumber: '2' },
    ]);
    const retried = kinesis.commandCalls(PutRecordsCommand)[1]?.args[0].input as PutRecordsCommandInput;
    expect(retried.Records?.map((r) => r.PartitionKey)).toEqual(['user1']);
  });

  test('puts at most 500 records per call', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: (input.Records ?? []).map((_, i) => ({ ShardId: 's0', SequenceNumber: String(i) })),
    }));
    const many = Array.from({ length: 1001 }, () => ({ data: new Uint8Array(10), partitionKey: 'k' }));
    const result = await putRecordsBatched(new KinesisClient({ region: 'us-east-1' }), 'stream', many);
    expect(result.calls).toBe(3);
    expect(kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length)).toEqual([500, 500, 1]);
  });
});

describe('releaseMessages', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  test("makes other runs' messages visible again at once, 10 per call", async () => {
    // GIVEN 12 received messages that belong to someone else
    const messages = Array.from({ length: 12 }, (_, i) => ({ MessageId: `m${i}`, ReceiptHandle: `h${i}` }));
    // WHEN
    await releaseMessages(new SQSClient({ region: 'us-east-1' }), 'http://q', messages);
    // THEN
    const calls = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls.flat().every((entry) => entry.VisibilityTimeout === 0)).toBe(true);
    expect(calls[1]?.map((entry) => entry.ReceiptHandle)).toEqual(['h10', 'h11']);
  });
});
