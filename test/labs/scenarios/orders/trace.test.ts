import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { orderIdFor } from '../../../../lambda/orders/intake-core';
import type { OrdersOutput } from '../../../../lib/stacks/orders-stack';
import { createUi } from '../../../../labs/report/ui';
import { assembleTrace, fieldsOf, parseOrderId, runTrace, traceVerdict, unknownOrderMessage, type OrderTrace } from '../../../../labs/scenarios/orders/trace';
import type { LogEvent, LogQuery, LogSource } from '../../../../labs/targets/log-source';
import type { TargetSession } from '../../../../labs/targets/target';

const ID = orderIdFor('trace-test');
const OTHER = orderIdFor('another-order');
const T0 = Date.parse('2026-12-02T05:00:00.000Z');

/** A Powertools JSON line of `service` at T0 + `ms`, as the handlers write it. */
function line(service: string, stream: string, ms: number, fields: Record<string, unknown>, orderId = ID): LogEvent {
  const message = JSON.stringify({ level: 'INFO', message: String(fields.step), timestamp: new Date(T0 + ms).toISOString(), service, orderId, ...fields });
  // The store's timestamp is when the runtime captured the line: a little after the logger's own.
  return { functionName: `LabOrders-${service}`, logStreamName: stream, timestamp: T0 + ms + 3, message };
}

/** One confirmed order's lines, as the four functions write them (inventory answers first, payment ends it). */
function confirmedOrder(): LogEvent[] {
  return [
    line('orders-intake', 'env-intake', 0, { step: 'published', topicMessageId: 'topic-1' }),
    line('orders-intake', 'env-intake', 5, { step: 'accepted', correlationId: 'corr-1', status: 'PLACED' }),
    line('orders-inventory', 'env-inv', 40, { step: 'received', receiveCount: 1, messageId: 'm-inv', queuedAt: T0 + 2 }),
    line('orders-payment', 'env-pay', 45, { step: 'received', receiveCount: 1, messageId: 'm-pay', queuedAt: T0 + 3 }),
    line('orders-notification', 'env-note', 50, { step: 'received', receiveCount: 1, messageId: 'm-note', queuedAt: T0 + 1 }),
    line('orders-notification', 'env-note', 60, { step: 'sent' }),
    line('orders-inventory', 'env-inv', 70, { step: 'reserved', items: [{ sku: 'BOOK', quantity: 1 }] }),
    line('orders-inventory', 'env-inv', 75, { step: 'settled', side: 'inventory', result: 'RESERVED', status: 'PLACED' }),
    line('orders-payment', 'env-pay', 80, { step: 'provider-call', provider: { orderId: ID, attempt: 1, outcome: 'CHARGED', breaker: 'CLOSED' } }),
    line('orders-payment', 'env-pay', 90, { step: 'charged', amountCents: 1500 }),
    line('orders-payment', 'env-pay', 95, { step: 'settled', side: 'payment', result: 'CHARGED', status: 'CONFIRMED', finished: 'CONFIRMED' }),
  ];
}

describe('assembleTrace', () => {
  test('puts the steps in time order, offsets from the accept, with the queue hops from the first receives', () => {
    // GIVEN the lines in the order the functions' stores hand them out (per function, not by time)
    const events = [...confirmedOrder()].sort((a, b) => a.functionName.localeCompare(b.functionName));
    // WHEN
    const trace = assembleTrace(ID, events);
    // THEN
    expect(trace.steps.map((s) => [s.at, s.function, s.step])).toEqual([
      [-5, 'orders-intake', 'published'],
      [-4, 'notification queue', 'queued'],
      [-3, 'inventory queue', 'queued'],
      [-2, 'payment queue', 'queued'],
      [0, 'orders-intake', 'accepted'],
      [35, 'orders-inventory', 'received'],
      [40, 'orders-payment', 'received'],
      [45, 'orders-notification', 'received'],
      [55, 'orders-notification', 'sent'],
      [65, 'orders-inventory', 'reserved'],
      [70, 'orders-inventory', 'settled'],
      [75, 'orders-payment', 'provider-call'],
      [85, 'orders-payment', 'charged'],
      [90, 'orders-payment', 'settled'],
    ]);
    expect(trace).toMatchObject({
      orderId: ID,
      correlationId: 'corr-1',
      acceptedAt: T0 + 5,
      terminal: 'CONFIRMED',
      answers: { payment: 'CHARGED', inventory: 'RESERVED' },
      notified: true,
      deadLettered: [],
      // In the order they first appear.
      functions: ['orders-intake', 'orders-inventory', 'orders-payment', 'orders-notification'],
      environments: 4,
    });
  });

  test('keeps the steps\' time, environment and detail', () => {
    const trace = assembleTrace(ID, confirmedOrder());
    expect(trace.steps.find((s) => s.step === 'accepted')).toEqual({
      at: 0,
      time: '2026-12-02T05:00:00.005Z',
      function: 'orders-intake',
      logStream: 'env-intake',
      step: 'accepted',
      detail: '201, correlation id corr-1',
    });
    expect(trace.steps.filter((s) => s.function === 'orders-payment').map((s) => s.detail)).toEqual([
      'receive 1 of message m-pay',
      'call 1: CHARGED (breaker CLOSED)',
      '1500 cents',
      'payment CHARGED recorded; order CONFIRMED (this worker ended it)',
    ]);
    expect(trace.steps.find((s) => s.step === 'queued')).toMatchObject({ logStream: '', detail: 'SNS delivered OrderPlaced into the queue (SentTimestamp)' });
  });

  test('leaves out other orders\' lines, lines naming no step, and lines that are not JSON', () => {
    const events = [
      ...confirmedOrder(),
      line('orders-payment', 'env-pay', 20, { step: 'charged', amountCents: 99 }, OTHER),
      { functionName: 'LabOrders-orders-payment', logStreamName: 'env-pay', timestamp: T0 + 21, message: JSON.stringify({ message: 'cold start', orderId: ID }) },
      { functionName: 'LabOrders-orders-payment', logStreamName: 'env-pay', timestamp: T0 + 22, message: `START RequestId: ${ID}` },
      line('orders-payment', 'env-pay', 23, { step: 'no-such-step' }),
    ];
    expect(assembleTrace(ID, events).steps).toEqual(assembleTrace(ID, confirmedOrder()).steps);
  });

  test('a receive after the first adds no queue hop; a redelivery\'s failure on the last delivery names the DLQ', () => {
    const events = [
      line('orders-payment', 'env-1', 10, { step: 'received', receiveCount: 1, messageId: 'm', queuedAt: T0 + 1 }),
      line('orders-payment', 'env-1', 20, { step: 'failed', receiveCount: 1, deadLetter: false, error: { name: 'RetryLaterError', message: 'the payment breaker is OPEN; the message returns in 5 s' } }),
      line('orders-payment', 'env-2', 5020, { step: 'received', receiveCount: 2, messageId: 'm', queuedAt: T0 + 1 }),
      line('orders-payment', 'env-2', 5030, { step: 'failed', receiveCount: 2, deadLetter: true, error: { message: 'the payment breaker is OPEN; the message returns in 5 s' } }),
    ];
    const trace = assembleTrace(ID, events);
    expect(trace.steps.map((s) => [s.at, s.step, s.detail])).toEqual([
      [0, 'queued', 'SNS delivered OrderPlaced into the queue (SentTimestamp)'],
      [9, 'received', 'receive 1 of message m'],
      [19, 'failed', 'the payment breaker is OPEN; the message returns in 5 s'],
      [5019, 'received', 'receive 2 of message m'],
      [5029, 'failed', 'the payment breaker is OPEN; the message returns in 5 s; next: the DLQ'],
    ]);
    expect([trace.deadLettered, trace.environments, trace.acceptedAt]).toEqual([['payment'], 2, undefined]);
  });

  test('reads a line whose JSON follows a text prefix, and falls back to the store\'s time without a timestamp field', () => {
    const message = `2026-12-02T05:00:00.000Z\tabc\tINFO\t${JSON.stringify({ step: 'sent', orderId: ID, service: 'orders-notification' })}`;
    const trace = assembleTrace(ID, [{ functionName: 'fn', logStreamName: 's', timestamp: T0 + 7, message }]);
    expect(trace.steps).toEqual([{ at: 0, time: '2026-12-02T05:00:00.007Z', function: 'orders-notification', logStream: 's', step: 'sent', detail: 'the confirmation e-mail was recorded' }]);
  });

  test('fieldsOf unwraps a line whose message is the structured object', () => {
    expect(fieldsOf(JSON.stringify({ timestamp: 'x', message: { step: 'sent', orderId: ID } }))).toEqual({ step: 'sent', orderId: ID });
    expect(fieldsOf('not json {')).toBeUndefined();
  });
});

describe('traceVerdict', () => {
  const trace = (events: LogEvent[]): OrderTrace => assembleTrace(ID, events);
  const without = (step: string): LogEvent[] => confirmedOrder().filter((e) => JSON.parse(e.message).step !== step);

  test('holds for the whole path: accepted, both sides answered, ended once, e-mail recorded', () => {
    expect(traceVerdict(trace(confirmedOrder()))).toEqual({ ok: true, failures: [] });
  });

  test.each([
    ['accepted', "the intake's accepted line is not in the logs"],
    ['charged', 'payment never answered (no charged or declined line)'],
    ['reserved', 'inventory never answered (no reserved or refused line)'],
    ['sent', 'notification never recorded the e-mail'],
  ])('fails without the %s line', (step, failure) => {
    expect(traceVerdict(trace(without(step))).failures).toEqual([failure]);
  });

  test('fails when no worker ended the order, naming the DLQ that holds it', () => {
    const settledOnce = confirmedOrder().filter((e) => JSON.parse(e.message).finished === undefined);
    expect(traceVerdict(trace(settledOnce)).failures).toEqual(['no worker ended the order (no settled line with a terminal state)']);
    const deadLettered = [...settledOnce, line('orders-payment', 'env-pay', 200, { step: 'failed', receiveCount: 6, deadLetter: true, error: { message: 'x' } })];
    expect(traceVerdict(trace(deadLettered)).failures).toEqual(['no worker ended the order: it is in the payment DLQ (redrive it with `labs orders redrive --queue payment`)']);
  });

  test('an order dead-lettered, redriven and ended holds: its DLQ spell is history', () => {
    const events = [...confirmedOrder(), line('orders-payment', 'env-pay', 30, { step: 'failed', receiveCount: 6, deadLetter: true, error: { message: 'x' } })];
    expect([traceVerdict(trace(events)).ok, trace(events).deadLettered]).toEqual([true, ['payment']]);
  });

  test('fails when two workers each ended the order', () => {
    const twice = [...confirmedOrder(), line('orders-inventory', 'env-inv', 99, { step: 'settled', side: 'inventory', result: 'RESERVED', status: 'CONFIRMED', finished: 'CONFIRMED' })];
    expect(traceVerdict(trace(twice)).failures).toEqual(['the order was ended 2 times, not once']);
  });

  test('fails with one reason when no line names the order', () => {
    expect(traceVerdict(trace([])).failures).toEqual([`no log line names order ${ID}: its functions' logs hold none of its steps`]);
  });
});

describe('order ids from the command line', () => {
  test('takes the ids the API issues, in any case', () => {
    expect(parseOrderId(ID)).toBe(ID);
    expect(parseOrderId(` ${ID.toUpperCase()} `)).toBe(ID);
  });

  test.each(['abc', '', '3f2a9c1e-5b7d-4e21-9a4f-0c6d2b8e7f13', `${ID}0`, 'trace-test'])('refuses %j saying what an order id looks like', (raw) => {
    expect(() => parseOrderId(raw)).toThrow(/is not an order id: the API answers each order with one like .* `labs orders --json` lists in orderIds/);
  });

  test('an id the orders table does not hold says what to do on each target', () => {
    expect(unknownOrderMessage(ID, { target: 'local', stackName: 'LabOrders', region: 'us-east-1' })).toBe(
      `order ${ID} is not in the orders table of this local cloud's LabOrders (a lab without \`labs up\` starts a cloud of its own, which keeps no earlier order): start a cloud with \`labs up orders\`, place orders (labs orders / curl), then trace one of their ids (without an id, \`labs orders trace\` places one order and traces it)`,
    );
    expect(unknownOrderMessage(ID, { target: 'aws', stackName: 'LabOrders', region: 'eu-west-1' })).toMatch(
      /^order \S+ is not in the orders table of LabOrders in eu-west-1: place orders \(`labs orders --target aws` \/ curl\), then trace one of their ids/,
    );
  });
});

describe('runTrace on a session', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  /** A session of the orders stack whose orders table holds `item` (or nothing), with `reads` as its log source's answers. */
  function session(item: Record<string, unknown> | undefined, reads: LogEvent[][]) {
    const queries: LogQuery[] = [];
    dynamo.on(BatchGetCommand).resolves({ Responses: { orders: item ? [item] : [] } });
    const logs: LogSource = {
      search: async (query) => {
        queries.push(query);
        return reads[Math.min(queries.length, reads.length) - 1] ?? [];
      },
    };
    const value = {
      target: 'local' as const,
      region: 'us-east-1',
      stackName: 'LabOrders',
      output: (key: string) => (key === 'OrdersTableName' ? 'orders' : `LabOrders-${key}`),
      clients: { dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })) } as TargetSession['clients'],
      logs,
      close: async () => undefined,
    } as TargetSession<OrdersOutput>;
    return { value, queries };
  }
  const ui = createUi({ stderr: { write: () => true, isTTY: false }, json: true });
  const stored = (placedAt: number) => ({ orderId: ID, status: 'CONFIRMED', placedAt: new Date(placedAt).toISOString(), items: [] });

  test('an id the orders table does not hold is the error saying what to do, before any log read', async () => {
    const { value, queries } = session(undefined, []);
    await expect(runTrace(value, { orderId: ID }, ui)).rejects.toThrow(unknownOrderMessage(ID, value));
    expect(queries).toHaveLength(0);
  });

  test('reads the four functions\' lines with the id from a minute before the order was placed; an old order is read once', async () => {
    const { value, queries } = session(stored(T0), [[]]);
    const observed = await runTrace(value, { orderId: ID }, ui);
    expect(queries).toEqual([
      {
        functionNames: ['LabOrders-IntakeFunctionName', 'LabOrders-PaymentFunctionName', 'LabOrders-InventoryFunctionName', 'LabOrders-NotificationFunctionName'],
        contains: ID,
        sinceMs: T0 - 60_000,
      },
    ]);
    expect(observed).toMatchObject({ placedByLab: false, status: 'CONFIRMED', logReads: 1, steps: [] });
    expect(traceVerdict(observed).ok).toBe(false);
  });

  test('a recent order is read again until its trace holds', async () => {
    const now = Date.now();
    const shifted = confirmedOrder().map((e) => ({ ...e, message: e.message.replace(/"timestamp":"[^"]+"/, `"timestamp":"${new Date(now).toISOString()}"`) }));
    const { value } = session(stored(now), [shifted.slice(0, 3), shifted]);
    const observed = await runTrace(value, { orderId: ID }, ui);
    expect([observed.logReads, traceVerdict(observed).ok]).toEqual([2, true]);
  });
});
