import { randomUUID } from 'node:crypto';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseMessage } from '../shared/messages';
import { jobRequestSchema, type JobRequest, type JobStarted } from './messages';
import { putJob } from './store';
import { startJob, type PublishBatchPort, type PublishFailure } from './ventilator-core';

const JOBS_TABLE_NAME = requireEnv('JOBS_TABLE_NAME');
const SUBTASK_TOPIC_ARN = requireEnv('SUBTASK_TOPIC_ARN');
const MAX_RANGE_END = requireIntEnv('MAX_RANGE_END');
const JOB_TTL_SECONDS = requireIntEnv('JOB_TTL_SECONDS');
const IDEMPOTENCY_TABLE_NAME = requireEnv('IDEMPOTENCY_TABLE_NAME');

const logger = createLogger();
const documentClient = createDocumentClient();
const sns = new SNSClient({});
const requestSchema = jobRequestSchema(MAX_RANGE_END);

const publisher: PublishBatchPort = {
  async publishBatch(entries): Promise<readonly PublishFailure[]> {
    const response = await sns.send(
      new PublishBatchCommand({
        TopicArn: SUBTASK_TOPIC_ARN,
        PublishBatchRequestEntries: entries.map((entry) => ({ Id: entry.id, Message: JSON.stringify(entry.message) })),
      }),
    );
    return (response.Failed ?? []).map((failed) => ({
      id: failed.Id ?? '',
      code: failed.Code ?? 'Unknown',
      ...(failed.Message ? { message: failed.Message } : {}),
    }));
  },
};

/**
 * A request that arrives again with the same `requestId` (a client retrying after a timeout, a
 * network error or a throttle) must not start a second job: that would write another job item and
 * publish every subtask again, and nothing downstream could tell the two jobs apart. Powertools
 * idempotency keeps the first answer for as long as the job itself lives and returns it to the
 * repeat; the same token with a different job is refused. A start that failed keeps no record, so
 * its retry starts afresh.
 */
const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'requestId',
  payloadValidationJmesPath: '[subtasks, rangeEnd, failSubtasks]',
  expiresAfterSeconds: JOB_TTL_SECONDS,
});

const startJobOnce = makeIdempotent(
  async (request: JobRequest): Promise<JobStarted> => {
    const started = await startJob(
      request,
      {
        ...publisher,
        newJobId: () => randomUUID(),
        now: () => new Date(),
        putJob: (job) => putJob(documentClient, JOBS_TABLE_NAME, job),
      },
      { ttlSeconds: JOB_TTL_SECONDS },
    );
    logger.info('job started', { requestId: request.requestId, ...started });
    return started;
  },
  { persistenceStore: new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY_TABLE_NAME }), config: idempotencyConfig },
);

/**
 * Invoked synchronously by the lab with `{ requestId, subtasks, rangeEnd, failSubtasks? }`; an invalid
 * request (validated before any idempotency record is written; InvalidMessageError names the field)
 * or a subtask SNS keeps refusing fails the invocation.
 */
export const handler = async (event: unknown, context: Context): Promise<JobStarted> => {
  logger.addContext(context);
  const request = parseMessage(event, requestSchema, 'request');
  // An in-progress record then expires with this invocation, so a start that timed out can be retried.
  idempotencyConfig.registerLambdaContext(context);
  return startJobOnce(request);
};
