import type { EventSourceDataClassTypes } from '@aws-lambda-powertools/batch/types';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseJsonMessage } from '../shared/messages';
import { performTask, type TaskOutcome } from './core';
import { createLedger } from './ledger';
import { taskSchema, type WorkerTask } from './schema';

const LEDGER_TABLE_NAME = requireEnv('LEDGER_TABLE_NAME');
const IDEMPOTENCY_TABLE_NAME = requireEnv('IDEMPOTENCY_TABLE_NAME');
const MAX_TASK_WORK_MS = requireIntEnv('MAX_TASK_WORK_MS');

const logger = createLogger();
const ledger = createLedger(createDocumentClient(), LEDGER_TABLE_NAME);

/** Logs why each record failed (for a body that does not parse, the message names the field). */
class LoggingBatchProcessor extends BatchProcessor {
  public override failureHandler(record: EventSourceDataClassTypes, error: Error) {
    logger.error('task failed, it returns to the queue', {
      messageId: 'messageId' in record ? record.messageId : undefined,
      error,
    });
    return super.failureHandler(record, error);
  }
}

const processor = new LoggingBatchProcessor(EventType.SQS);
const schema = taskSchema(MAX_TASK_WORK_MS);

/** One delivery of a validated task. */
interface TaskDelivery {
  readonly messageId: string;
  readonly task: WorkerTask;
  /** SQS ApproximateReceiveCount. */
  readonly receiveCount: number;
}

// A redelivery of a completed task returns the stored outcome instead of working (and recording) again.
const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'task.taskId' });

const processTask = makeIdempotent(
  async (delivery: TaskDelivery, context: Context): Promise<TaskOutcome> => {
    const outcome = await performTask(
      delivery.task,
      { workerId: context.logStreamName, receiveCount: delivery.receiveCount, now: new Date() },
      {
        sleep: (ms) => sleep(ms),
        recordCompletion: (completion) => ledger.recordCompletion(completion),
        crashEnvironment: (reason) => {
          logger.error('ending the execution environment mid-task', { reason, messageId: delivery.messageId });
          process.exit(1);
        },
      },
    );
    logger.info('task done', { ...outcome });
    return outcome;
  },
  {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY_TABLE_NAME }),
    config: idempotencyConfig,
  },
);

/** Throws for a body that is not a valid task: that record alone fails, and the log line names the field. */
const processRecord = (record: SQSRecord, context: Context): Promise<TaskOutcome> =>
  processTask(
    {
      messageId: record.messageId,
      task: parseJsonMessage(record.body, schema, 'body'),
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    },
    context,
  );

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // Lets an in-progress idempotency record expire with this invocation, so a crashed task can be retried.
  idempotencyConfig.registerLambdaContext(context);
  return processPartialResponse(event, processRecord, processor, {
    context,
    // One worker = one task at a time: the pool's parallelism is the number of environments.
    processInParallel: false,
    // A batch whose every task fails reports each one instead of throwing; SQS retries them alike.
    throwOnFullBatchFailure: false,
  });
};
