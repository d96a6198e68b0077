import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { warmUpDynamoDbLocal } from '../../../../labs/targets/local/emulators/dynamodb-warm-up';

const dynamo = mockClient(DynamoDBClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  dynamo.reset();
  dynamo.onAnyCommand().resolves({});
});

describe('warmUpDynamoDbLocal', () => {
  test('serves a conditional write, its refusal, a read of each kind, on a table of its own that it deletes', async () => {
    // GIVEN the second conditional write finds its condition false, as DynamoDB Local answers it
    dynamo.on(UpdateItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed()).resolves({});
    // WHEN
    await warmUpDynamoDbLocal('http://127.0.0.1:1');
    // THEN
    const created = dynamo.commandCalls(CreateTableCommand)[0]?.args[0].input.TableName;
    expect(created).toMatch(/^labs-warm-up-[0-9a-f]{12}$/);
    expect(dynamo.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.ConditionExpression)).toEqual([
      'attribute_not_exists(leaseUntil) OR leaseUntil <= :now',
      'attribute_not_exists(leaseUntil) OR leaseUntil <= :now',
      'holder = :holder',
    ]);
    expect(dynamo).toHaveReceivedCommandTimes(GetItemCommand, 1);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetItemCommand, 1);
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(DeleteTableCommand, { TableName: created });
  });

  test('deletes its table and fails the start when the emulator answers a warm-up request with an error', async () => {
    dynamo.on(UpdateItemCommand).rejects(new Error('internal server error'));
    await expect(warmUpDynamoDbLocal('http://127.0.0.1:1')).rejects.toThrow(/internal server error/);
    expect(dynamo).toHaveReceivedCommandTimes(DeleteTableCommand, 1);
  });
});
