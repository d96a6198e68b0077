import { randomUUID } from 'node:crypto';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { parse } from '@aws-lambda-powertools/parser';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { jobRequestSchema } from './schemas';
import { putJob } from './store';
import { startJob, type JobStarted, type PublishBatchPort, type PublishFailure } from './ventilator-core';

const JOBS_TABLE_NAME = requireEnv('JOBS_TABLE_NAME');
const SUBTASK_TOPIC_ARN = requireEnv('SUBTASK_TOPIC_ARN');
const MAX_RANGE_END = requireIntEnv('MAX_RANGE_END');
const JOB_TTL_SECONDS = requireIntEnv('JOB_TTL_SECONDS');

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
 * Invoked synchronously by the lab with `{ subtasks, rangeEnd, failSubtasks? }`; an invalid request
 * or a subtask SNS keeps refusing fails the invocation.
 */
export const handler = async (event: unknown, context: Context): Promise<JobStarted> => {
  logger.addContext(context);
  const request = parse(event, undefined, requestSchema);
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
  logger.info('job started', { ...started });
  return started;
};
