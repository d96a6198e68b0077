import { PAYMENT_QUEUE_URL } from './handler-env';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { orderIdFor } from '../../../lambda/orders/intake-core';
import { handler } from '../../../lambda/orders/payment';
import { clockPastFaultCachePerTest, conditionFailed, context, ORDER, sqsEvent } from './sqs-fixtures';

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

describe('a payment worker that crashes after the charge (fault switch paymentCrashAfterCharge)', () => {
  /** The charges table as the provider writes it: a conditional put per order, and `ADD calls` on a repeat. */
  function ledgerTable(): Map<string, Record<string, unknown>> {
    const ledger = new Map<string, Record<string, unknown>>();
    const order = { orderId: ORDER.orderId, status: 'PLACED', inventory: 'RESERVED' };
    documents.on(GetCommand).callsFake(async (input: { TableName: string; Key: { id?: string } }) => ({
      Item: input.TableName !== 'control' ? order : input.Key.id === 'faults' ? { id: 'faults', paymentCrashAfterCharge: [ORDER.orderId] } : undefined,
    }));
    documents.on(PutCommand).callsFake(async (input: { TableName: string; Item: Record<string, unknown> }) => {
      if (input.TableName !== 'charges') return {};
      if (ledger.has(String(input.Item.orderId))) throw conditionFailed();
      ledger.set(String(input.Item.orderId), { ...input.Item });
      return {};
    });
    documents.on(UpdateCommand).callsFake(async (input: { TableName: string; Key: { orderId: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
      if (input.TableName === 'charges') {
        const item = ledger.get(input.Key.orderId)!;
        item.calls = Number(item.calls) + Number(input.ExpressionAttributeValues[':one']);
        return {};
      }
      return { Attributes: { ...order, payment: 'CHARGED' } };
    });
    return ledger;
  }

  const orderUpdates = () => documents.commandCalls(UpdateCommand).filter((call) => call.args[0].input.TableName === 'orders');

  test('the first delivery charges, then its process exits before the order records the charge', async () => {
    // GIVEN
    ledgerTable();
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`process.exit(${code})`);
    }) as never);
    try {
      // WHEN
      const response = await handler(sqsEvent([ORDER], 1), context);
      // THEN: the runtime would see the environment end; here the exit's throw fails the record
      expect(exit).toHaveBeenCalledWith(1);
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
      expect(putsTo('charges')).toHaveLength(1);
      expect(orderUpdates()).toHaveLength(0);
    } finally {
      exit.mockRestore();
    }
  });

  test('the redelivery is answered from the provider\'s ledger: 2 provider calls, 1 charge, the order confirmed', async () => {
    // GIVEN the first delivery charged and crashed
    const ledger = ledgerTable();
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`process.exit(${code})`);
    }) as never);
    try {
      await handler(sqsEvent([ORDER], 1), context);
      // WHEN the queue redelivers it
      const response = await handler(sqsEvent([ORDER], 2), context);
      // THEN
      expect(response).toEqual({ batchItemFailures: [] });
      expect(exit).toHaveBeenCalledTimes(1);
      expect([...ledger.values()]).toEqual([expect.objectContaining({ orderId: ORDER.orderId, status: 'CHARGED', calls: 2 })]);
      expect(orderUpdates().map((call) => call.args[0].input.ExpressionAttributeValues)).toEqual([
        expect.objectContaining({ ':result': 'CHARGED' }),
        expect.objectContaining({ ':to': 'CONFIRMED' }),
      ]);
    } finally {
      exit.mockRestore();
    }
  });

  test('an order the switch does not name is charged and recorded on its first delivery', async () => {
    ledgerTable();
    const exit = jest.spyOn(process, 'exit');
    await expect(handler(sqsEvent([{ ...ORDER, orderId: orderIdFor('key-2') }]), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(exit).not.toHaveBeenCalled();
    expect(orderUpdates()).toHaveLength(2);
    exit.mockRestore();
  });
});

