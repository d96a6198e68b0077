import { setTimeout as sleep } from 'node:timers/promises';
import { ParseError, parse } from '@aws-lambda-powertools/parser';
import { SnsEnvelope } from '@aws-lambda-powertools/parser/envelopes/sns';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import type { Context, SNSEvent } from 'aws-lambda';
import { ZodError } from 'zod';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { processSubtask, type SubtaskOutcome } from './core';
import { SubtaskMessageSchema } from './schemas';
import { dynamoFanIn } from './store';

const fanIn = dynamoFanIn(createDocumentClient(), {
  jobsTableName: requireEnv('JOBS_TABLE_NAME'),
  resultsTableName: requireEnv('RESULTS_TABLE_NAME'),
  ttlSeconds: requireIntEnv('JOB_TTL_SECONDS'),
});
const logger = createLogger();
const messageSchema = JSONStringified(SubtaskMessageSchema);

/**
 * SNS invokes the worker asynchronously, one message per invocation. Throwing fails the invocation:
 * Lambda retries it (the function's retry attempts) and then sends the event to its dead-letter queue.
 */
export const handler = async (event: SNSEvent, context: Context): Promise<SubtaskOutcome[]> => {
  logger.addContext(context);
  let messages;
  try {
    messages = parse(event, SnsEnvelope, messageSchema);
  } catch (error) {
    logger.error('invalid subtask message', { issues: describeIssues(error), error: error as Error });
    throw error;
  }
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

/** `Records.0.Sns.Message.subtaskId: Too big: ...`: the field a student has to fix, first. */
function describeIssues(error: unknown): string[] {
  const cause = error instanceof ParseError ? error.cause : undefined;
  if (!(cause instanceof ZodError)) return [];
  return cause.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
