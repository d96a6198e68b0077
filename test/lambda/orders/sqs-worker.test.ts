import './handler-env';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LedgerPort } from '../../../lambda/orders/ledger';
import { orderWorker } from '../../../lambda/orders/sqs-worker';
import { context, ORDER, sqsEvent } from './sqs-fixtures';

/** The structured lines a worker logs (POWERTOOLS_DEV: through the global console), parsed. */
function captureLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const capture = (...args: unknown[]): void => {
    lines.push(JSON.parse(String(args[0])) as Record<string, unknown>);
  };
  for (const level of ['info', 'warn', 'error'] as const) jest.spyOn(console, level).mockImplementation(capture);
  return lines;
}

const ledger: LedgerPort = { record: async () => undefined };

afterEach(() => jest.restoreAllMocks());

describe('orderWorker: one line per step, with the order id', () => {
  test('a finished delivery logs received, the service\'s own step, then done', async () => {
    // GIVEN
    const lines = captureLines();
    const logger = new Logger({ serviceName: 'orders-notification', logLevel: 'INFO' });
    const worker = orderWorker(logger, 'notification', async () => {
      logger.info('confirmation e-mail recorded', { step: 'sent' });
      return { notification: 'sent' };
    }, ledger, 3);
    // WHEN
    await worker(sqsEvent([ORDER]), context);
    // THEN
    expect(lines.map((l) => [l.step, l.orderId, l.correlation_id])).toEqual([
      ['received', ORDER.orderId, 'corr-1'],
      ['sent', ORDER.orderId, 'corr-1'],
      ['done', ORDER.orderId, 'corr-1'],
    ]);
    expect(lines[0]).toMatchObject({ receiveCount: 1, messageId: 'm-0', queuedAt: 0 });
  });

  test.each([
    [2, false, 'order failed, it returns to the queue'],
    [3, true, 'order failed on its last delivery (3): the queue moves it to its DLQ'],
  ])('a failed delivery at receive %i of 3 logs failed with deadLetter %s', async (receiveCount, deadLetter, message) => {
    const lines = captureLines();
    const logger = new Logger({ serviceName: 'orders-payment', logLevel: 'INFO' });
    const worker = orderWorker(logger, 'payment', async () => {
      throw new Error('provider down');
    }, ledger, 3);
    await expect(worker(sqsEvent([ORDER], receiveCount), context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(lines.at(-1)).toMatchObject({ step: 'failed', message, orderId: ORDER.orderId, receiveCount, deadLetter, error: { message: 'provider down' } });
  });
});
