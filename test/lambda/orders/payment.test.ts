import { PAYMENT_QUEUE_URL } from './handler-env';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/orders/payment';
import { clockPastFaultCachePerTest, context, ORDER, sqsEvent } from './sqs-fixtures';

const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

/** Control items by id (breaker, faults); the order as the orders table returns it after an update. */
function tables(control: Record<string, Record<string, unknown>>, orderAfterUpdate: Record<string, unknown>) {
  documents.on(GetCommand).callsFake(async (input: { TableName: string; Key: { id?: string } }) => ({
    Item: input.TableName === 'control' ? control[input.Key.id ?? ''] : orderAfterUpdate,
  }));
  documents.on(PutCommand).resolves({});
  documents.on(UpdateCommand).resolves({ Attributes: orderAfterUpdate });
}

const putsTo = (table: string) => documents.commandCalls(PutCommand).filter((call) => call.args[0].input.TableName === table);
/** The delivery entries the worker appended to the ledger, in order. */
const ledgerEntries = () =>
  documents
    .commandCalls(UpdateCommand)
    .filter((call) => call.args[0].input.TableName === 'ledger')
    .map((call) => ({ key: call.args[0].input.Key, entry: (call.args[0].input.ExpressionAttributeValues as { ':entry': unknown[] })[':entry'][0] }));

clockPastFaultCachePerTest();

beforeEach(() => {
  documents.reset();
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('payment handler', () => {
  test('charges once, settles the order and confirms it when stock is already reserved', async () => {
    tables({}, { orderId: ORDER.orderId, status: 'PLACED', payment: 'CHARGED', inventory: 'RESERVED' });
    await expect(handler(sqsEvent([ORDER]), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(putsTo('charges').map((call) => call.args[0].input.Item)).toEqual([expect.objectContaining({ orderId: ORDER.orderId, status: 'CHARGED' })]);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'orders',
      ConditionExpression: '#status = :placed',
      ExpressionAttributeValues: expect.objectContaining({ ':to': 'CONFIRMED' }),
    });
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
    expect(ledgerEntries()).toEqual([
      {
        key: { orderId: ORDER.orderId, service: 'payment' },
        entry: expect.objectContaining({ workerId: context.logStreamName, messageId: 'm-0', receiveCount: 1, outcome: 'done', retryDelaysMs: [], effect: 'CHARGED' }),
      },
    ]);
  });

  test('does not call the provider while the breaker is open, and returns the message after the cool-down', async () => {
    // GIVEN a breaker open for another 3 s
    tables({ 'payment-breaker': { id: 'payment-breaker', status: 'OPEN', failures: 0, openUntil: Date.now() + 3000, version: 2 } }, {});
    // WHEN
    const response = await handler(sqsEvent([ORDER]), context);
    // THEN
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(putsTo('charges')).toHaveLength(0);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: PAYMENT_QUEUE_URL, ReceiptHandle: 'rh-0', VisibilityTimeout: 3 });
  });

  test.each([
    [1, 2],
    [3, 8],
  ])('returns a message whose provider call failed on delivery %i with a visibility timeout of %i s', async (receiveCount, seconds) => {
    // GIVEN the provider is down
    tables({ faults: { id: 'faults', paymentOutageUntil: Date.now() + 60_000 } }, {});
    // WHEN
    const response = await handler(sqsEvent([ORDER], receiveCount), context);
    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { ReceiptHandle: 'rh-0', VisibilityTimeout: seconds });
    expect(putsTo('charges')).toHaveLength(0);
    expect(putsTo('control').map((call) => call.args[0].input.Item)).toEqual([expect.objectContaining({ status: 'CLOSED', failures: 1 })]);
    // No in-process retries here (PAYMENT_RETRIES 0): one provider call, then the visibility delay.
    expect(ledgerEntries().map((e) => e.entry)).toEqual([
      expect.objectContaining({ receiveCount, outcome: 'failed', retryDelaysMs: [], visibilityDelaySeconds: seconds, effect: 'outage' }),
    ]);
  });

  test('fails a body that is not an order alone, and touches nothing', async () => {
    tables({}, { orderId: ORDER.orderId, status: 'PLACED', payment: 'CHARGED' });
    const response = await handler(sqsEvent([{ ...ORDER, amountCents: 0 }, ORDER]), context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(putsTo('charges')).toHaveLength(1);
    // The body that is not an order has no order id to file it under: only the valid one is in the ledger.
    expect(ledgerEntries().map((e) => e.entry)).toEqual([expect.objectContaining({ messageId: 'm-1', outcome: 'done' })]);
  });
});
