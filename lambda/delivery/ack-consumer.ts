import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseJsonMessage } from '../shared/messages';
import { deliver, type GuaranteeOutcome } from './guarantees-core';
import { guaranteeMessageSchema } from './schema';
import { dynamoEffects } from './stores';

const EFFECTS_TABLE_NAME = requireEnv('EFFECTS_TABLE_NAME');
const ACK_QUEUE_URL = requireEnv('ACK_QUEUE_URL');

const logger = createLogger();
const sqs = new SQSClient({});
const effects = dynamoEffects(createDocumentClient(), EFFECTS_TABLE_NAME);
const processor = new BatchProcessor(EventType.SQS);

/**
 * The ack-mode consumer: each message names its mode (at-most-once, at-least-once, effectively-once)
 * and whether to crash; the core orders acknowledgement and effect accordingly. A crash ends the
 * execution environment, as a host failure would, so nothing after it runs and the batch is not
 * answered: what was not acknowledged comes back after the visibility timeout.
 */
const processRecord = async (record: SQSRecord): Promise<GuaranteeOutcome> => {
  const message = parseJsonMessage(record.body, guaranteeMessageSchema, 'body');
  const outcome = await deliver(message, Number(record.attributes.ApproximateReceiveCount), {
    ...effects,
    acknowledge: async () => {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: ACK_QUEUE_URL, ReceiptHandle: record.receiptHandle }));
    },
    crash: (point) => {
      logger.error('crash injected: ending the execution environment', { messageId: message.messageId, mode: message.mode, point });
      process.exit(1);
    },
  });
  logger.info('delivered', { ...outcome });
  return outcome;
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, processRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
