import { TOPIC_ARN } from './handler-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambda/orders/intake';
import { orderIdFor } from '../../../lambda/orders/intake-core';
import { installFakeIdempotencyTable } from '../shared/fake-idempotency-table';

const documents = mockClient(DynamoDBDocumentClient);
const idempotencyClient = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const context = { awsRequestId: 'req-1', functionName: 'LabOrders-Intake', getRemainingTimeInMillis: () => 10_000 } as Context;
const ORDER = { customerEmail: 'ada@example.com', amountCents: 1250, items: [{ sku: 'BOOK-1', quantity: 2 }] };

/** The orders table as its conditional put and consistent get behave. */
let orders: Map<string, Record<string, unknown>>;

beforeEach(() => {
  documents.reset();
  idempotencyClient.reset();
  sns.reset();
  installFakeIdempotencyTable(idempotencyClient);
  orders = new Map();
  documents.on(PutCommand).callsFake(async (input: { Item: Record<string, unknown> }) => {
    const id = String(input.Item['orderId']);
    if (orders.has(id)) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    orders.set(id, input.Item);
    return {};
  });
  documents.on(GetCommand).callsFake(async (input: { Key: { orderId: string } }) => ({ Item: orders.get(input.Key.orderId) }));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function post(body: unknown, headers: Record<string, string> = { 'idempotency-key': 'key-1' }): Promise<APIGatewayProxyStructuredResultV2> {
  const event = {
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'api-request-1', http: { method: 'POST', path: '/orders' } },
  } as unknown as APIGatewayProxyEventV2;
  return handler(event, context) as Promise<APIGatewayProxyStructuredResultV2>;
}

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(String(response.body)) as Record<string, unknown>;
const published = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

describe('intake handler', () => {
  test('stores a PLACED order and publishes OrderPlaced with the correlation id as a message attribute', async () => {
    // WHEN
    const response = await post(ORDER, { 'idempotency-key': 'key-1', 'x-correlation-id': 'corr-7' });
    // THEN
    expect(response.statusCode).toBe(201);
    const orderId = orderIdFor('key-1');
    expect(bodyOf(response)).toEqual({ orderId, status: 'PLACED', correlationId: 'corr-7' });
    expect(orders.get(orderId)).toEqual(expect.objectContaining({ status: 'PLACED', ...ORDER, correlationId: 'corr-7' }));
    expect(published()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        Message: expect.stringContaining(`"orderId":"${orderId}"`),
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'corr-7' } },
      },
    ]);
  });

  test('takes the API request id as the correlation id when the client sends none', async () => {
    expect(bodyOf(await post(ORDER))['correlationId']).toBe('api-request-1');
  });

  test('answers a retry with the same key with the first answer, and places no second order', async () => {
    const first = await post(ORDER);
    const second = await post(ORDER);
    expect(second.statusCode).toBe(201);
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(orders.size).toBe(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  test('accepts no order whose event was not published: a publish failing after the write answers 503, and the retry publishes the stored order', async () => {
    // GIVEN SNS fails once, after the order was written
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('SNS is unavailable'), { name: 'InternalErrorException' })).resolves({ MessageId: 'm-2' });
    // WHEN the client sends, gets an error, and retries with the same key
    const failed = await post(ORDER);
    expect(failed.statusCode).toBe(503);
    expect(bodyOf(failed)['message']).toMatch(/retry with the same Idempotency-Key/);
    expect(orders.size).toBe(1);
    const retried = await post(ORDER);
    // THEN the retry is accepted for the same order, which was published
    expect(retried.statusCode).toBe(201);
    expect(bodyOf(retried)['orderId']).toBe(orderIdFor('key-1'));
    expect(orders.size).toBe(1);
    expect(published()).toHaveLength(2);
    expect(JSON.parse(String(published()[1]?.Message))).toEqual(expect.objectContaining({ type: 'OrderPlaced', orderId: orderIdFor('key-1') }));
  });

  test('refuses another order under a used key with 422', async () => {
    await post(ORDER);
    const response = await post({ ...ORDER, amountCents: 99 });
    expect(response.statusCode).toBe(422);
    expect(orders.size).toBe(1);
  });

  test.each([
    ['a bad e-mail', { ...ORDER, customerEmail: 'nobody' }, /body\.customerEmail/],
    ['no items', { ...ORDER, items: [] }, /body\.items/],
    ['a zero quantity', { ...ORDER, items: [{ sku: 'BOOK-1', quantity: 0 }] }, /body\.items\.0\.quantity/],
    ['text that is not JSON', '{"customerEmail":', /body: not JSON/],
  ])('answers 400 naming the field for %s, and stores and publishes nothing', async (_name, body, field) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response)['message'])).toMatch(field);
    expect(orders.size).toBe(0);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  test('answers 400 when the Idempotency-Key header is missing', async () => {
    const response = await post(ORDER, {});
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response)['message'])).toMatch(/Idempotency-Key header is required/);
    expect(orders.size).toBe(0);
  });

  test.each([[{}], [{ orderId: 'o-1' }], [null]])('answers 400 saying where orders go when invoked directly with %p, and stores and publishes nothing', async (payload) => {
    const response = (await handler(payload as unknown as APIGatewayProxyEventV2, context)) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response)['message'])).toMatch(/serves POST \/orders of the HTTP API .*labs outputs orders/);
    expect(orders.size).toBe(0);
    expect(documents).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

test('orderIdFor gives each key one GUID', () => {
  expect(orderIdFor('key-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(orderIdFor('key-1')).toBe(orderIdFor('key-1'));
  expect(orderIdFor('key-2')).not.toBe(orderIdFor('key-1'));
});
