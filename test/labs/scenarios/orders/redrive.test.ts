import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { renderRedrive } from '../../../../labs/report/orders-redrive';
import { PLAIN } from '../../../../labs/report/style';
import { expectedEnd, moveDeadLetters, redriveQueuesOption, redriveVerdict, type RedriveObservations } from '../../../../labs/scenarios/orders/redrive';
import { UsageError } from '../../../../labs/scenarios/scenario';
import { DECLINE_ABOVE_CENTS } from '../../../../lambda/orders/provider';

const sqsMock = mockClient(SQSClient);

beforeEach(() => sqsMock.reset());

describe('redriveQueuesOption', () => {
  test.each([
    ['payment', ['payment']],
    ['notification', ['notification']],
    ['all', ['payment', 'inventory', 'notification']],
  ])('%s', (text, queues) => {
    expect(redriveQueuesOption(text)).toEqual(queues);
  });

  test('fails if the queue is none of the three nor all', () => {
    expect(() => redriveQueuesOption('orders')).toThrow(UsageError);
    expect(() => redriveQueuesOption('orders')).toThrow(/--queue must be one of payment, inventory, notification, all, but 'orders' was given/);
  });
});

describe('moveDeadLetters', () => {
  const message = (n: number) => ({ MessageId: `m${n}`, ReceiptHandle: `r${n}`, Body: `{"orderId":"o${n}"}`, MessageAttributes: { correlationId: { DataType: 'String', StringValue: `c${n}` } } });

  test('sends each message with its body and attributes to the source queue, deletes only what was sent, and gives back the rest', async () => {
    // GIVEN a DLQ of three messages, the source queue refusing the second
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(1), message(2), message(3)] }).resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({});
    // WHEN the redrive moves them
    const result = await moveDeadLetters(new SQSClient({}), 'dlq', 'source');
    // THEN two moved, one left visible in the DLQ, nothing lost
    expect({ moved: result.moved.map((m) => m.MessageId), failed: result.failed }).toEqual({ moved: ['m1', 'm3'], failed: 1 });
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: 'dlq', MessageAttributeNames: ['All'], VisibilityTimeout: 60 });
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: 'source',
      Entries: [1, 2, 3].map((n, i) => ({ Id: String(i), MessageBody: `{"orderId":"o${n}"}`, MessageAttributes: { correlationId: { DataType: 'String', StringValue: `c${n}` } } })),
    });
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageBatchCommand, { QueueUrl: 'dlq', Entries: [{ Id: '0', ReceiptHandle: 'r1' }, { Id: '1', ReceiptHandle: 'r3' }] });
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, { QueueUrl: 'dlq', Entries: [{ Id: '0', ReceiptHandle: 'r2', VisibilityTimeout: 0 }] });
  });

  test('moves nothing from an empty DLQ', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({});
    expect(await moveDeadLetters(new SQSClient({}), 'dlq', 'source')).toEqual({ moved: [], failed: 0 });
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });
});

describe('expectedEnd', () => {
  test.each([
    [{ inventory: 'RESERVED', amountCents: 1000 }, 'CONFIRMED'],
    [{ inventory: 'RESERVED', amountCents: DECLINE_ABOVE_CENTS + 1 }, 'REJECTED'],
    [{ inventory: 'REFUSED', amountCents: 1000 }, 'REJECTED'],
    [{ amountCents: 1000 }, undefined],
  ])('%p: %s', (item, end) => {
    expect(expectedEnd(item)).toBe(end);
  });
});

/** 10 orders moved back from the payment DLQ: 9 confirmed, the declined one rejected with its stock released. */
function redriven(overrides: Partial<RedriveObservations> = {}): RedriveObservations {
  return {
    queues: [{ name: 'payment', moved: 10, failed: 0 }],
    filled: { runId: 'r1', orders: 10, ok: true, failures: [] },
    redriven: 10,
    orders: 10,
    confirmed: 9,
    rejected: 1,
    pending: 0,
    expected: { confirmed: 9, rejected: 1 },
    unexpected: 0,
    charges: 9,
    chargedTwice: 0,
    heldByRejected: 0,
    confirmedWithoutStock: 0,
    notified: 10,
    leftInDeadLetterQueues: 0,
    elapsedMs: 12_000,
    timeoutMs: 92_000,
    timedOut: false,
    ...overrides,
  };
}

describe('redriveVerdict', () => {
  test('holds when every moved order completed once as planned', () => {
    expect(redriveVerdict(redriven())).toEqual({ ok: true, failures: [] });
  });

  test.each([
    ['an empty DLQ', { redriven: 0, orders: 0, filled: undefined }, /the payment DLQ\(s\) held nothing to redrive: run `npx labs orders outage payment` first/],
    ['a failed send', { queues: [{ name: 'payment' as const, moved: 9, failed: 1 }] }, /1 message\(s\) of the payment DLQ could not be sent back/],
    ['a second charge', { chargedTwice: 1 }, /1 order\(s\) charged twice by the provider/],
    ['an order ending otherwise', { unexpected: 1, confirmed: 8, rejected: 2, charges: 8 }, /1 order\(s\) ended otherwise than their state before the redrive said/],
    ['a rejected order holding stock', { heldByRejected: 1 }, /1 rejected order\(s\) still hold a charge or stock/],
    ['a missing e-mail', { notified: 9 }, /9 e-mail\(s\) for 10 redriven orders/],
    ['an order back in the DLQ', { leftInDeadLetterQueues: 2 }, /2 redriven order message\(s\) are back in a DLQ/],
    ['a failed fill', { filled: { runId: 'r1', orders: 10, ok: false, failures: ['the breaker ended OPEN'] } }, /dead-lettering first: the breaker ended OPEN/],
  ])('fails on %s', (_name, overrides, message) => {
    const verdict = redriveVerdict(redriven(overrides as Partial<RedriveObservations>));
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });
});

describe('renderRedrive', () => {
  test('shows the fill, what moved, and how the orders ended', () => {
    const text = renderRedrive(redriven(), PLAIN);
    expect(text).toContain('The DLQs were empty: a payment outage dead-lettered 10 orders first (run r1).');
    expect(text).toMatch(/│ payment │ 10 +│ 0 +│/);
    expect(text).toContain('9 (expected 9)');
    expect(text).toContain('Every redriven order completed once');
  });

  test('says when there was nothing to redrive', () => {
    expect(renderRedrive(redriven({ redriven: 0, queues: [{ name: 'inventory', moved: 0, failed: 0 }] }), PLAIN)).toContain('Nothing to redrive.');
  });
});
