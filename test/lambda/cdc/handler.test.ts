import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import './handler-env';
import { handler } from '../../../lambda/cdc/handler';
import { comparableSequenceNumber } from '../../../lambda/shared/codecs';
import { DOWNSTREAM_SWITCH_KEY } from '../../../lambda/cdc/view-store';

const dynamodb = mockClient(DynamoDBDocumentClient);

let stdout: jest.SpyInstance;
let stderr: jest.SpyInstance;
beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(GetCommand).resolves({});
  dynamodb.on(TransactWriteCommand).resolves({});
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
});

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/LabCdc-SourceTable/stream/2026-12-01T00:00:00.000';
const context = { functionName: 'CategorySummaryProjector', awsRequestId: 'req-1' } as Context;

type Image = Record<string, AttributeValue>;
const image = (id: string, category: string, priceCents: number | string): Image => ({
  id: { S: id },
  name: { S: `Product ${id}` },
  category: { S: category },
  priceCents: { N: String(priceCents) },
});

/** One change as a DynamoDB stream mapping delivers it. */
function streamRecord(sequenceNumber: number, id: string, newImage: Image | undefined, oldImage?: Image): DynamoDBRecord {
  const eventName = newImage === undefined ? 'REMOVE' : oldImage === undefined ? 'INSERT' : 'MODIFY';
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1796155200,
      Keys: { id: { S: id } },
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: `1000000000000${sequenceNumber}`,
      SizeBytes: 60,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const run = (...records: DynamoDBRecord[]) => handler({ Records: records } as DynamoDBStreamEvent, context, () => undefined);

describe('projector handler', () => {
  it('applies an insert as one transaction: the contribution record, conditional on none, and the category counters', async () => {
    // WHEN
    const response = await run(streamRecord(1, 'p-1', image('p-1', 'office', 1200)));

    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Put: expect.objectContaining({
            TableName: 'CategorySummaryTable',
            Item: expect.objectContaining({ pk: 'item#p-1', sk: 'contribution', sequenceNumber: comparableSequenceNumber('10000000000001') }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        },
        {
          Update: expect.objectContaining({
            Key: { pk: 'category#office', sk: 'summary' },
            ExpressionAttributeValues: { ':c0': 1, ':c1': 1200 },
          }),
        },
      ],
    });
  });

  it('removes what a deleted item contributed', async () => {
    // GIVEN the item's stored contribution
    dynamodb.on(GetCommand).resolves({
      Item: { pk: 'item#p-1', sk: 'contribution', sequenceNumber: comparableSequenceNumber('10000000000001'), contribution: { category: 'office', priceCents: 1200 } },
    });

    // WHEN
    await run(streamRecord(2, 'p-1', undefined, image('p-1', 'office', 1200)));

    // THEN
    const [call] = dynamodb.commandCalls(TransactWriteCommand);
    expect(call?.args[0].input.TransactItems?.[1]?.Update?.ExpressionAttributeValues).toEqual({ ':c0': -1, ':c1': -1200 });
    expect(call?.args[0].input.TransactItems?.[0]?.Put?.Item?.contribution).toBeNull();
  });

  it('writes nothing for a redelivered change', async () => {
    dynamodb.on(GetCommand).resolves({ Item: { sequenceNumber: comparableSequenceNumber('10000000000001'), contribution: { category: 'office', priceCents: 1200 } } });

    const response = await run(streamRecord(1, 'p-1', image('p-1', 'office', 1200)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('reports a poison change and every change after it, by sequence number, and applies those before it', async () => {
    const response = await run(
      streamRecord(1, 'p-1', image('p-1', 'office', 1200)),
      streamRecord(2, 'p-2', image('p-2', 'office', 'not-a-number')),
      streamRecord(3, 'p-3', image('p-3', 'office', 500)),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '10000000000002' }, { itemIdentifier: '10000000000003' }] });
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('fails the whole batch when its first change is poison, so Lambda bisects it', async () => {
    await expect(run(streamRecord(1, 'p-1', image('p-1', 'office', -5)), streamRecord(2, 'p-2', image('p-2', 'office', 5)))).rejects.toThrow(
      FullBatchFailureError,
    );
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('reads the contribution again when the transaction lost a race, and applies the change once', async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }))
      .resolves({});

    const response = await run(streamRecord(1, 'p-1', image('p-1', 'office', 1200)));

    expect(response).toEqual({ batchItemFailures: [] });
    // The contribution is read twice (the downstream switch once more, before the batch).
    expect(dynamodb.commandCalls(GetCommand).filter((call) => call.args[0].input.Key?.sk === 'contribution')).toHaveLength(2);
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('fails the whole invocation while its downstream switch refuses, taking one refusal, and writes no view', async () => {
    // GIVEN the lab's switch: 2 refusals left
    dynamodb.on(GetCommand, { Key: DOWNSTREAM_SWITCH_KEY }).resolves({ Item: { ...DOWNSTREAM_SWITCH_KEY, refusals: 2 } });
    dynamodb.on(UpdateCommand).resolves({});

    // WHEN / THEN
    await expect(run(streamRecord(1, 'p-1', image('p-1', 'office', 1200)))).rejects.toThrow(/category-summary downstream is unavailable/);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: DOWNSTREAM_SWITCH_KEY,
      UpdateExpression: 'SET refusals = refusals - :one ADD refused :one',
      ConditionExpression: 'refusals > :zero',
    });
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('applies the batch when another invocation took the last refusal first', async () => {
    dynamodb.on(GetCommand, { Key: DOWNSTREAM_SWITCH_KEY }).resolves({ Item: { ...DOWNSTREAM_SWITCH_KEY, refusals: 1 } });
    dynamodb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'refusals is 0', $metadata: {} }));

    const response = await run(streamRecord(1, 'p-1', image('p-1', 'office', 1200)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});
