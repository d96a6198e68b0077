import './handler-env';
import './info-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambda/orders/intake';
import { orderIdFor } from '../../../lambda/orders/intake-core';
import { installFakeIdempotencyTable } from '../shared/fake-idempotency-table';

const documents = mockClient(DynamoDBDocumentClient);
const idempotencyClient = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const context = { awsRequestId: 'req-1', functionName: 'LabOrders-Intake', getRemainingTimeInMillis: () => 10_000 } as Context;

test('the intake logs published and accepted for a new order, replayed for a retry answered from the idempotency record', async () => {
  // GIVEN
  installFakeIdempotencyTable(idempotencyClient);
  documents.on(PutCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  const lines: Record<string, unknown>[] = [];
  jest.spyOn(console, 'info').mockImplementation((text?: unknown) => {
    lines.push(JSON.parse(String(text)) as Record<string, unknown>);
  });
  const event = {
    version: '2.0',
    headers: { 'idempotency-key': 'key-1', 'x-correlation-id': 'corr-7' },
    body: JSON.stringify({ customerEmail: 'ada@example.com', amountCents: 1250, items: [{ sku: 'BOOK-1', quantity: 2 }] }),
    isBase64Encoded: false,
    requestContext: { requestId: 'api-request-1', http: { method: 'POST', path: '/orders' } },
  } as unknown as APIGatewayProxyEventV2;
  // WHEN the client sends the order, then retries it with the same key
  await handler(event, context);
  await handler(event, context);
  // THEN
  const steps = lines.filter((l) => l.step !== undefined).map((l) => [l.step, l.orderId, l.correlation_id]);
  expect(steps).toEqual([
    ['published', orderIdFor('key-1'), 'corr-7'],
    ['accepted', orderIdFor('key-1'), 'corr-7'],
    ['replayed', orderIdFor('key-1'), 'corr-7'],
  ]);
});
