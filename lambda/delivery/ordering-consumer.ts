import { BatchProcessor, EventType, SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseJsonMessage } from '../shared/messages';
import { receiveSequenced, type Arrival } from './ordering-core';
import { sequencedMessageSchema } from './schema';
import { dynamoArrivals } from './stores';

const ARRIVALS_TABLE_NAME = requireEnv('ARRIVALS_TABLE_NAME');
const WORK_MS = requireIntEnv('WORK_MS');

const logger = createLogger();
const client = createDocumentClient();

/** The same consumer reads the standard and the FIFO queue; which one a record came from names its arrival list. */
const recordFor = (kind: 'standard' | 'fifo') => {
  const arrivals = dynamoArrivals(client, ARRIVALS_TABLE_NAME, kind);
  return async (record: SQSRecord): Promise<Arrival> => {
    const message = parseJsonMessage(record.body, sequencedMessageSchema, 'body');
    try {
      // The SQS message id tells a redelivery of one message (the same id) from a second copy of it (another id).
      return await receiveSequenced(message, { now: () => Date.now(), work: () => sleep(WORK_MS), recordArrival: (a) => arrivals.recordArrival(a, record.messageId) });
    } catch (error) {
      logger.error('message failed, it returns to the queue', { messageId: record.messageId, group: message.group, seq: message.seq, error });
      throw error;
    }
  };
};

const standardProcessor = new BatchProcessor(EventType.SQS);
const standardRecord = recordFor('standard');

/** Standard queue: records in the batch one after another; the pool's environments run batches side by side. */
export const standardHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, standardRecord, standardProcessor, { context, processInParallel: false, throwOnFullBatchFailure: false });

const fifoProcessor = new SqsFifoPartialProcessorAsync();
const fifoRecord = recordFor('fifo');

/**
 * FIFO queue: Powertools' FIFO processor stops a group at its first failure and reports the rest of
 * that group as failed too, so they come back in order; the other groups of the batch go on.
 */
export const fifoHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, fifoRecord, fifoProcessor, { context, skipGroupOnError: true, throwOnFullBatchFailure: false });
