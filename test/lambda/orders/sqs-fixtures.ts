import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { orderIdFor } from '../../../lambda/orders/intake-core';
import type { OrderPlaced } from '../../../lambda/orders/schemas';

export const ORDER: OrderPlaced = {
  type: 'OrderPlaced',
  orderId: orderIdFor('key-1'),
  correlationId: 'corr-1',
  placedAt: '2026-12-01T20:00:00.000Z',
  customerEmail: 'ada@example.com',
  amountCents: 1250,
  items: [{ sku: 'BOOK-1', quantity: 2 }],
};

export const context = { awsRequestId: 'req-1', logStreamName: '2026/12/01/[$LATEST]env-a', getRemainingTimeInMillis: () => 10_000 } as Context;

/** An SQS event of one record per body, as raw SNS delivery hands it over. */
export function sqsEvent(bodies: ReadonlyArray<unknown>, receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `m-${i}`,
        receiptHandle: `rh-${i}`,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: '0',
          SenderId: 'sns',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: { correlationId: { stringValue: 'corr-1', dataType: 'String', stringListValues: [], binaryListValues: [] } },
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:LabOrders-Payment',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}

/** DynamoDB's refusal of a conditional write; `item` is the old item DynamoDB returns, marshalled. */
export function conditionFailed(item?: unknown): Error {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', ...(item ? { Item: item } : {}) });
}

/**
 * Fakes only the clock, and moves it a minute further for every test, so each test starts past the
 * workers' fault-switch cache and reads the switches it sets up.
 */
export function clockPastFaultCachePerTest(): void {
  let clock = Date.now();
  beforeEach(() => {
    clock += 60_000;
    jest.useFakeTimers({ now: clock, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
}
