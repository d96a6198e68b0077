import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { deliveryRecorder, LEDGER_TTL_SECONDS, ledgerTable } from '../../../lambda/orders/ledger';

const START = { workerId: 'env-a', messageId: 'm-1', receiveCount: 2, receivedAt: new Date('2026-12-02T10:00:00.000Z') };

describe('deliveryRecorder', () => {
  test('an entry taken when the delivery ends: its end after its start, with the notes of the delivery', () => {
    const delivery = deliveryRecorder(START);
    delivery.notes.retried(37);
    delivery.notes.retried(120);
    delivery.notes.deferred(4);
    delivery.notes.effect('transient-failure,transient-failure,transient-failure');
    expect(delivery.entry('failed', new Date('2026-12-02T10:00:01.500Z'), new Error('the payment provider timed out'))).toEqual({
      workerId: 'env-a',
      messageId: 'm-1',
      receiveCount: 2,
      receivedAt: '2026-12-02T10:00:00.000Z',
      finishedAt: '2026-12-02T10:00:01.500Z',
      outcome: 'failed',
      retryDelaysMs: [37, 120],
      visibilityDelaySeconds: 4,
      effect: 'transient-failure,transient-failure,transient-failure',
      error: 'the payment provider timed out',
    });
  });

  test('a done delivery without notes has no retries and no optional fields', () => {
    expect(deliveryRecorder(START).entry('done', new Date('2026-12-02T10:00:00.020Z'))).toEqual({
      workerId: 'env-a',
      messageId: 'm-1',
      receiveCount: 2,
      receivedAt: '2026-12-02T10:00:00.000Z',
      finishedAt: '2026-12-02T10:00:00.020Z',
      outcome: 'done',
      retryDelaysMs: [],
    });
  });
});

describe('ledgerTable', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  beforeEach(() => documents.reset());

  test('appends the delivery to the item of its order and service in one update, expiring a day later', async () => {
    documents.on(UpdateCommand).resolves({});
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const entry = deliveryRecorder(START).entry('done', new Date('2026-12-02T10:00:00.020Z'));
    await ledgerTable(client, 'ledger', () => 1_800_000_000_500).record('order-1', 'inventory', entry);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'ledger',
      Key: { orderId: 'order-1', service: 'inventory' },
      UpdateExpression: 'SET deliveries = list_append(if_not_exists(deliveries, :none), :entry), expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':none': [], ':entry': [entry], ':expiresAt': 1_800_000_000 + LEDGER_TTL_SECONDS },
    });
  });
});
