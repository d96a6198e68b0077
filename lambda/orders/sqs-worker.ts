import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { parseJsonMessage } from '../shared/messages';
import { deliveryRecorder, ledgerTable, type DeliveryNotes, type LedgerPort, type OrderService } from './ledger';
import { CORRELATION_ID_ATTRIBUTE, orderPlacedSchema, type OrderPlaced } from './schemas';
import { logStep } from './steps';

/** What one service does with one delivery of an order; what it returns is logged. */
export type OrderStep = (order: OrderPlaced, record: SQSRecord, context: Context, notes: DeliveryNotes) => Promise<Readonly<Record<string, unknown>>>;

/**
 * The SQS handler every order worker shares: one order per record, one record at a time (a worker of
 * the pool is one execution environment), partial batch responses. Each record's log lines carry the
 * correlation id the API request started (the SQS message attribute SNS passed on) and the order id,
 * and a failed record is logged with both before it returns to the queue. Every delivery of a valid
 * order, done or failed, is appended to the ledger when it ends, with the environment that handled it.
 * `maxReceiveCount` is the queue's (MAX_RECEIVE_COUNT): a failure of that delivery is the order's last
 * in this queue, which moves it to its DLQ, and its log line says so.
 */
export function orderWorker(
  logger: Logger,
  service: OrderService,
  step: OrderStep,
  ledger: LedgerPort = ledgerTable(createDocumentClient(), requireEnv('LEDGER_TABLE_NAME')),
  maxReceiveCount: number = requireIntEnv('MAX_RECEIVE_COUNT'),
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const processRecord = async (record: SQSRecord, context: Context): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    logger.setCorrelationId(record.messageAttributes[CORRELATION_ID_ATTRIBUTE]?.stringValue);
    let order: OrderPlaced | undefined;
    const delivery = deliveryRecorder({ workerId: context.logStreamName, messageId: record.messageId, receiveCount, receivedAt: new Date() });
    try {
      order = parseJsonMessage(record.body, orderPlacedSchema, 'body');
      logger.setCorrelationId(order.correlationId);
      logger.appendKeys({ orderId: order.orderId });
      // SentTimestamp: when SNS delivered the message into this service's queue.
      logStep(logger, 'received', 'order received', { messageId: record.messageId, receiveCount, queuedAt: Number(record.attributes.SentTimestamp) });
      const result = await step(order, record, context, delivery.notes);
      await ledger.record(order.orderId, service, delivery.entry('done', new Date()));
      logStep(logger, 'done', 'order processed', { ...result, receiveCount });
    } catch (error) {
      const deadLetter = receiveCount >= maxReceiveCount;
      logStep(
        logger,
        'failed',
        deadLetter ? `order failed on its last delivery (${maxReceiveCount}): the queue moves it to its DLQ` : 'order failed, it returns to the queue',
        { messageId: record.messageId, receiveCount, deadLetter, error },
        'error',
      );
      if (order !== undefined) {
        await ledger.record(order.orderId, service, delivery.entry('failed', new Date(), error)).catch((ledgerError: unknown) => {
          // The delivery's own error is the one that matters: it is rethrown; the ledger's is logged.
          logger.error('the failed delivery could not be written to the ledger', { error: ledgerError });
        });
      }
      throw error;
    } finally {
      logger.removeKeys(['orderId']);
    }
  };
  return (event, context) =>
    processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
}
