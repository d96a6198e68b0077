import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, SNSEvent } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { InvalidMessageError, parseJsonMessage } from '../shared/messages';
import { processSubtask, type SubtaskOutcome } from './core';
import { SubtaskMessageSchema } from './messages';
import { dynamoFanIn } from './store';

const fanIn = dynamoFanIn(createDocumentClient(), {
  jobsTableName: requireEnv('JOBS_TABLE_NAME'),
  resultsTableName: requireEnv('RESULTS_TABLE_NAME'),
  ttlSeconds: requireIntEnv('JOB_TTL_SECONDS'),
});
const logger = createLogger();

/**
 * SNS invokes the worker asynchronously, one message per invocation. Throwing fails the invocation:
 * Lambda retries it (the function's retry attempts) and then sends the event to its dead-letter queue.
 */
export const handler = async (event: SNSEvent, context: Context): Promise<SubtaskOutcome[]> => {
  logger.addContext(context);
  const messages = event.Records.map((record, index) => {
    try {
      return parseJsonMessage(record.Sns.Message, SubtaskMessageSchema, `Records.${index}.Sns.Message`);
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        logger.error('invalid subtask message', { messageId: record.Sns.MessageId, issues: error.issues, error });
      }
      throw error;
    }
  });
  const outcomes: SubtaskOutcome[] = [];
  for (const message of messages) {
    const outcome = await processSubtask(message, fanIn, {
      requestId: context.awsRequestId,
      now: () => new Date(),
      sleep: (ms) => sleep(ms).then(() => undefined),
      random: Math.random,
    });
    logger.info('subtask processed', { ...outcome });
    outcomes.push(outcome);
  }
  return outcomes;
};

