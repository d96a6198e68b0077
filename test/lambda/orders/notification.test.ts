import './handler-env';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as notification } from '../../../lambda/orders/notification';
import { conditionFailed, context, ORDER, sqsEvent } from './sqs-fixtures';

const documents = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  documents.reset();
});

describe('notification handler', () => {
  test('records the e-mail once: a redelivery finds it sent and succeeds without a second', async () => {
    documents.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    await expect(notification(sqsEvent([ORDER, ORDER]), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'notifications',
      Item: expect.objectContaining({ orderId: ORDER.orderId, email: 'ada@example.com', correlationId: 'corr-1' }),
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
    // Both deliveries are in the ledger: the first sent the e-mail, the second found it sent.
    const entries = documents.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(entries.map((input) => input.Key)).toEqual([
      { orderId: ORDER.orderId, service: 'notification' },
      { orderId: ORDER.orderId, service: 'notification' },
    ]);
    expect(entries.map((input) => (input.ExpressionAttributeValues as { ':entry': { effect: string }[] })[':entry'][0]!.effect)).toEqual(['sent', 'already-sent']);
  });

  test('fails a body that is not an order alone', async () => {
    documents.on(PutCommand).resolves({});
    await expect(notification(sqsEvent(['not json', ORDER]), context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(documents).toHaveReceivedCommandTimes(PutCommand, 1);
  });
});
