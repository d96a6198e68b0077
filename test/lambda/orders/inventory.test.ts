import './handler-env';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as inventory } from '../../../lambda/orders/inventory';
import { clockPastFaultCachePerTest, conditionFailed, context, ORDER, sqsEvent } from './sqs-fixtures';

const documents = mockClient(DynamoDBDocumentClient);
const updatesTo = (table: string) => documents.commandCalls(UpdateCommand).filter((call) => call.args[0].input.TableName === table);

clockPastFaultCachePerTest();

beforeEach(() => {
  documents.reset();
});

describe('inventory handler', () => {
  test('reserves the order\'s stock with a conditional update and records the side', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(UpdateCommand).resolves({ Attributes: { orderId: ORDER.orderId, status: 'PLACED', inventory: 'RESERVED' } });
    await expect(inventory(sqsEvent([ORDER]), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(updatesTo('stock').map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ Key: { sku: 'BOOK-1' }, ConditionExpression: 'stock >= :q AND NOT contains(holders, :id) AND NOT contains(released, :id)' }),
    ]);
    expect(updatesTo('orders')[0]?.args[0].input.ExpressionAttributeValues).toEqual({ ':result': 'RESERVED' });
  });

  test('refuses an order it cannot reserve, terminally: the record succeeds and the order is rejected', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(UpdateCommand, { TableName: 'stock' }).rejects(conditionFailed({ sku: { S: 'BOOK-1' }, stock: { N: '1' } }));
    documents.on(UpdateCommand, { TableName: 'orders' }).resolves({ Attributes: { orderId: ORDER.orderId, status: 'PLACED', inventory: 'REFUSED' } });
    await expect(inventory(sqsEvent([ORDER]), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(updatesTo('orders').map((call) => call.args[0].input.ExpressionAttributeValues?.[':to'])).toContain('REJECTED');
  });

  test('fails the order back to the queue while the inventory store is down, touching no stock', async () => {
    documents.on(GetCommand).resolves({ Item: { id: 'faults', inventoryOutageUntil: Date.now() + 30_000 } });
    await expect(inventory(sqsEvent([ORDER]), context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(updatesTo('stock')).toHaveLength(0);
  });
});
