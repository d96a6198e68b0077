import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SNSEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseJsonMessage } from '../shared/messages';
import { downstreamMessageSchema } from './schema';
import { callDownstream, type Completion, type DownstreamPorts } from './semaphore-core';
import { dynamoCompletions, dynamoSemaphore } from './stores';

const DOWNSTREAM_TABLE_NAME = requireEnv('DOWNSTREAM_TABLE_NAME');
const DOWNSTREAM_CAPACITY = requireIntEnv('DOWNSTREAM_CAPACITY');
const WORK_MS = requireIntEnv('WORK_MS');

const logger = createLogger();
const client = createDocumentClient();
const ports: DownstreamPorts = {
  ...dynamoSemaphore(client, DOWNSTREAM_TABLE_NAME),
  ...dynamoCompletions(client, DOWNSTREAM_TABLE_NAME),
  now: () => Date.now(),
  work: () => sleep(WORK_MS),
};

/** When this invocation times out: a permit it holds is leased until then, and no longer. */
const deadlineOf = (context: Context): number => Date.now() + context.getRemainingTimeInMillis();

/** One message into the downstream; an overloaded downstream throws, and the path's retries take over. */
async function call(text: string, location: string, deadline: number): Promise<Completion> {
  const message = parseJsonMessage(text, downstreamMessageSchema, location);
  try {
    return await callDownstream(message, DOWNSTREAM_CAPACITY, deadline, ports);
  } catch (error) {
    logger.warn('downstream call failed', { messageId: message.messageId, error });
    throw error;
  }
}

/**
 * Push: SNS invokes the function once per message, asynchronously. A refusal fails the invocation;
 * Lambda retries it twice, then sends the event to the function's dead-letter queue.
 */
export const pushHandler = async (event: SNSEvent, context: Context): Promise<void> => {
  const deadline = deadlineOf(context);
  for (const record of event.Records) await call(record.Sns.Message, 'Sns.Message', deadline);
};

const processor = new BatchProcessor(EventType.SQS);

/** Buffer: the queue holds the burst and at most K environments drain it; a refusal returns the message to the queue. */
export const bufferHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deadline = deadlineOf(context);
  const bufferRecord = (record: SQSRecord) => call(record.body, 'body', deadline);
  return processPartialResponse(event, bufferRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
};
