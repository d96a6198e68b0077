import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createCheckpointStore } from '../../../lambda/stream/checkpoint-store';

const dynamodb = mockClient(DynamoDBDocumentClient);
const store = createCheckpointStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'Checkpoints');
const KEY = { consumer: 'processor', shardId: 'shardId-000000000000', partitionKey: 'alice' };
const RUN = { firstSequenceNumber: '0001', lastSequenceNumber: '0003', records: 3, orderViolations: 1, firstProcessedAt: 1000, lastProcessedAt: 1020 };

beforeEach(() => dynamodb.reset());

describe('checkpoint store', () => {
  test('appends a run with one conditional update: counts added, checkpoint moved forward', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN
    const result = await store.appendRun(KEY, RUN);
    // THEN
    expect(result).toEqual({ applied: true });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'Checkpoints',
      Key: { consumer: 'processor', shardKey: 'shardId-000000000000#alice' },
      UpdateExpression:
        'SET #last = :last, #shard = :shard, #pk = :pk, #firstAt = if_not_exists(#firstAt, :firstAt), #lastAt = :lastAt ADD #records :records, #violations :violations',
      ConditionExpression: 'attribute_not_exists(#last) OR #last < :first',
      ExpressionAttributeNames: {
        '#last': 'lastSequenceNumber',
        '#shard': 'shardId',
        '#pk': 'partitionKey',
        '#firstAt': 'firstProcessedAt',
        '#lastAt': 'lastProcessedAt',
        '#records': 'records',
        '#violations': 'orderViolations',
      },
      ExpressionAttributeValues: { ':first': '0001', ':last': '0003', ':shard': 'shardId-000000000000', ':pk': 'alice', ':firstAt': 1000, ':lastAt': 1020, ':records': 3, ':violations': 1 },
    });
  });

  test('returns the stored checkpoint when the condition refuses the run', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({ message: 'refused', $metadata: {}, Item: { lastSequenceNumber: { S: '0002' } } }),
    );
    // WHEN / THEN
    await expect(store.appendRun(KEY, RUN)).resolves.toEqual({ applied: false, lastSequenceNumber: '0002' });
  });

  test('fails if a refusal carries no checkpoint', async () => {
    dynamodb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'refused', $metadata: {} }));
    await expect(store.appendRun(KEY, RUN)).rejects.toThrow(/processor\/shardId-000000000000#alice refused a run but returned no lastSequenceNumber/);
  });

  test('passes other errors through', async () => {
    dynamodb.on(UpdateCommand).rejects(new Error('Rate exceeded'));
    await expect(store.appendRun(KEY, RUN)).rejects.toThrow('Rate exceeded');
  });

  test('adds order violations without a condition', async () => {
    // GIVEN
    dynamodb.on(UpdateCommand).resolves({});
    // WHEN
    await store.addOrderViolations(KEY, 2);
    // THEN
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { consumer: 'processor', shardKey: 'shardId-000000000000#alice' },
      UpdateExpression: 'ADD #violations :violations',
      ExpressionAttributeValues: { ':violations': 2 },
    });
    expect(dynamodb.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toBeUndefined();
  });
});
