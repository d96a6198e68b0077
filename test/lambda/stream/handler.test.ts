import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import './handler-env';
import { comparableSequenceNumber } from '../../../lambda/shared/codecs';
import { handler } from '../../../lambda/stream/handler';

const dynamodb = mockClient(DynamoDBDocumentClient);

// The logger writes JSON lines to stdout (info) and stderr (warn, error).
let stdout: jest.SpyInstance;
let stderr: jest.SpyInstance;
beforeEach(() => {
  dynamodb.reset();
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
});

const SHARD = 'shardId-000000000002';
/** One user, the partition key of every record here: one checkpoint per (shard, key). */
const USER = 'user1';
// Realistic sequence numbers: 56 digits, growing within the shard.
const seq = (n: number): string => `4966${String(n).padStart(52, '0')}`;

function payload(eventId: number): Record<string, unknown> {
  return { runId: 'run-1', eventId, userId: USER, action: 'click', timestamp: '2026-01-01T00:00:00.000Z' };
}

/** One record as the Kinesis event source delivers it (polling or enhanced fan-out: same shape). */
function kinesisRecord(n: number, data: unknown = payload(n), shardId = SHARD): KinesisStreamRecord {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${seq(n)}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/consumer',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/LabStream',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: USER,
      sequenceNumber: seq(n),
      approximateArrivalTimestamp: 1767225600,
      data: typeof data === 'string' ? data : Buffer.from(JSON.stringify(data)).toString('base64'),
    },
  };
}

const batch = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });
const context = { awsRequestId: 'req-1', logStreamName: '2026/01/01/[$LATEST]abc' } as Context;
const invoke = (event: KinesisStreamEvent) => handler(event, context, () => undefined);

/** The first checkpoint update finds the stored checkpoint at record `n` (its condition fails); later updates succeed. */
function givenStoredCheckpointAt(n: number): void {
  dynamodb
    .on(UpdateCommand)
    .rejectsOnce(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { lastSequenceNumber: { S: comparableSequenceNumber(seq(n)) } },
      }),
    )
    .resolves({});
}

function loggedLines(): Array<Record<string, unknown>> {
  return [...stdout.mock.calls, ...stderr.mock.calls]
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('stream handler', () => {
  test('records a valid batch with one conditional update and reports no failures', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN
    const response = await invoke(batch(kinesisRecord(1), kinesisRecord(2), kinesisRecord(3)));
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'CheckpointTable',
      Key: { consumer: 'analytics', shardKey: `${SHARD}#${USER}` },
      ConditionExpression: 'attribute_not_exists(#last) OR #last < :first',
      ExpressionAttributeValues: expect.objectContaining({
        ':first': comparableSequenceNumber(seq(1)),
        ':last': comparableSequenceNumber(seq(3)),
        ':records': 3,
        ':violations': 0,
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('a failing record in the middle fails itself and everything after it, not the records before', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    const event = batch(kinesisRecord(1), kinesisRecord(2), kinesisRecord(3, { ...payload(3), userId: 42 }), kinesisRecord(4), kinesisRecord(5));
    // WHEN
    const response = await invoke(event);
    // THEN
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(3) }, { itemIdentifier: seq(4) }, { itemIdentifier: seq(5) }],
    });
    // Only records 1 and 2 were processed: records 4 and 5 come back in the retry.
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':last': comparableSequenceNumber(seq(2)), ':records': 2 }),
    });
  });

  test('logs the failed record naming the invalid field', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN
    await invoke(batch(kinesisRecord(1), kinesisRecord(2, { ...payload(2), action: undefined })));
    // THEN
    expect(loggedLines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'record failed',
        consumer: 'analytics',
        sequenceNumber: seq(2),
        reason: expect.stringMatching(/^data\.action: /),
      }),
    );
  });

  test('throws when every record fails, so Lambda bisects the batch', async () => {
    // GIVEN: a record whose data is not JSON heads the batch
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN / THEN
    await expect(invoke(batch(kinesisRecord(1, 'bm90IGpzb24='), kinesisRecord(2)))).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateCommand);
  });

  test('a redelivered batch counts only the records past the stored checkpoint', async () => {
    // GIVEN: the checkpoint is at record 2
    givenStoredCheckpointAt(2);
    // WHEN
    const response = await invoke(batch(kinesisRecord(2), kinesisRecord(3), kinesisRecord(4)));
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({
        ':first': comparableSequenceNumber(seq(3)),
        ':last': comparableSequenceNumber(seq(4)),
        ':records': 2,
        ':violations': 0,
      }),
    });
  });

  test('records below the stored checkpoint are added as order violations', async () => {
    // GIVEN: the checkpoint is past the whole batch
    givenStoredCheckpointAt(9);
    // WHEN
    const response = await invoke(batch(kinesisRecord(5), kinesisRecord(6)));
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedNthSpecificCommandWith(2, UpdateCommand, {
      Key: { consumer: 'analytics', shardKey: `${SHARD}#${USER}` },
      UpdateExpression: 'ADD #violations :violations',
      ExpressionAttributeValues: { ':violations': 2 },
    });
  });

  test('a DynamoDB error fails the records, so the batch is retried', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).rejects(new Error('Rate exceeded'));
    // WHEN / THEN
    await expect(invoke(batch(kinesisRecord(1), kinesisRecord(2)))).rejects.toBeInstanceOf(FullBatchFailureError);
  });

  test('keeps one checkpoint per partition key of a shard, one write each', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    const bob = (n: number): KinesisStreamRecord => {
      const record = kinesisRecord(n, { ...payload(n), userId: 'bob' });
      return { ...record, kinesis: { ...record.kinesis, partitionKey: 'bob' } };
    };
    // WHEN
    const response = await invoke(batch(kinesisRecord(1), bob(2), kinesisRecord(3)));
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { consumer: 'analytics', shardKey: `${SHARD}#${USER}` },
      ExpressionAttributeValues: expect.objectContaining({ ':records': 2, ':pk': USER, ':shard': SHARD }),
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { consumer: 'analytics', shardKey: `${SHARD}#bob` },
      ExpressionAttributeValues: expect.objectContaining({ ':records': 1, ':pk': 'bob' }),
    });
  });

  test('keeps the checkpoints of records from different shards apart', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN
    const response = await invoke(batch(kinesisRecord(1), kinesisRecord(1, payload(1), 'shardId-000000000003')));
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, { Key: { consumer: 'analytics', shardKey: `${SHARD}#${USER}` } });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, { Key: { consumer: 'analytics', shardKey: `shardId-000000000003#${USER}` } });
  });
});
