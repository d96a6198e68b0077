import type { EventSourceDataClassTypes } from '@aws-lambda-powertools/batch/types';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../shared/clients';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseJsonMessage } from '../shared/messages';
import { performTask, type TaskOutcome } from './core';
import { createLedger } from './ledger';
import { taskSchema } from './messages';

const LEDGER_TABLE_NAME = requireEnv('LEDGER_TABLE_NAME');
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

/**
 * One task per record. A redelivered task (its first worker died, or its batch outlived the visibility
 * timeout) is worked again: the simulated work has no effect of its own. Its one effect, the ledger
 * entry, is a conditional write that records a task once, whichever delivery or worker gets there
 * first, so no idempotency store is needed in front of it. A body that is not a valid task throws:
 * that record alone fails, and the log line names the field.
 */
const processRecord = async (record: SQSRecord, context: Context): Promise<TaskOutcome> => {
  const task = parseJsonMessage(record.body, schema, 'body');
  const outcome = await performTask(
    task,
    { workerId: context.logStreamName, receiveCount: Number(record.attributes.ApproximateReceiveCount) },
    {
      sleep: (ms) => sleep(ms),
      now: () => new Date(),
      recordCompletion: (completion) => ledger.recordCompletion(completion),
      crashEnvironment: (reason) => {
        logger.error('ending the execution environment mid-task', { reason, messageId: record.messageId });
        process.exit(1);
      },
    },
  );
  logger.info('task done', { ...outcome });
  return outcome;
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, processRecord, processor, {
    context,
    // One worker = one task at a time: the pool's parallelism is the number of environments.
    processInParallel: false,
    // A batch whose every task fails reports each one instead of throwing; SQS retries them alike.
    throwOnFullBatchFailure: false,
  });
