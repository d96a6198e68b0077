import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseJsonMessage } from '../shared/messages';
import { CORRELATION_ID_ATTRIBUTE, orderPlacedSchema, type OrderPlaced } from './schemas';

/** What one service does with one delivery of an order; what it returns is logged. */
export type OrderStep = (order: OrderPlaced, record: SQSRecord, context: Context) => Promise<Readonly<Record<string, unknown>>>;

/**
 * The SQS handler every order worker shares: one order per record, one record at a time (a worker of
 * the pool is one execution environment), partial batch responses. Each record's log lines carry the
 * correlation id the API request started (the SQS message attribute SNS passed on) and the order id,
 * and a failed record is logged with both before it returns to the queue.
 */
export function orderWorker(logger: Logger, step: OrderStep): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const processRecord = async (record: SQSRecord, context: Context): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    logger.setCorrelationId(record.messageAttributes[CORRELATION_ID_ATTRIBUTE]?.stringValue);
    try {
      const order = parseJsonMessage(record.body, orderPlacedSchema, 'body');
      logger.setCorrelationId(order.correlationId);
      logger.appendKeys({ orderId: order.orderId });
      logger.info('order received', { messageId: record.messageId, receiveCount });
      logger.info('order processed', { ...(await step(order, record, context)), receiveCount });
    } catch (error) {
      logger.error('order failed, it returns to the queue', { messageId: record.messageId, receiveCount, error });
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
