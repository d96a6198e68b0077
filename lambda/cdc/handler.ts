import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamHandler } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { parseMessage } from '../shared/messages';
import { projectChanges, type Change, type ChangeOutcome } from './core';
import { projectorNamed } from './projectors';
import { changeOf, TableStreamRecordSchema } from './schema';
import { createViewStore, downstreamRefuses } from './view-store';

/** Both projectors run this handler; PROJECTOR picks the view it keeps, VIEW_TABLE_NAME where. */
const logger = createLogger();
const projector = projectorNamed(requireEnv('PROJECTOR'));
const client = createDocumentClient();
const viewTableName = requireEnv('VIEW_TABLE_NAME');
const view = createViewStore<unknown>(client, viewTableName);
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** A stream record's change, images unmarshalled; an invalid record fails naming the field. */
function toChange(record: DynamoDBRecord): Change {
  return changeOf(parseMessage(record, TableStreamRecordSchema, 'record'));
}

/**
 * The core decides the whole batch first (in order, stopping at the first failure); the batch
 * processor then reports it as a partial batch response, or throws when every record failed, which
 * makes Lambda bisect the batch down to a poison change.
 */
export const handler: DynamoDBStreamHandler = async (event, context) => {
  // A refused downstream fails the invocation: Lambda retries (bisecting) and the shard waits, as in an outage.
  if (await downstreamRefuses(client, viewTableName)) {
    logger.warn('downstream refused the batch', { projector: projector.name, records: event.Records.length });
    throw new Error(`the ${projector.name} downstream is unavailable (its failure switch refused this batch)`);
  }
  const outcomes = await projectChanges(event.Records, toChange, projector, view);
  logger.info('batch projected', { projector: projector.name, ...countByStatus(outcomes) });
  const byRecord = new Map(event.Records.map((record, index) => [record, outcomes[index]]));
  const recordHandler = (record: DynamoDBRecord): ChangeOutcome['status'] => {
    const outcome = byRecord.get(record);
    if (outcome === undefined) throw new Error(`no outcome for record ${record.eventID ?? ''}`);
    if (outcome.status === 'failed') {
      logger.warn('change failed', { projector: projector.name, sequenceNumber: record.dynamodb?.SequenceNumber, reason: outcome.reason });
      throw new Error(outcome.reason);
    }
    return outcome.status;
  };
  return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
};

function countByStatus(outcomes: readonly ChangeOutcome[]): Record<ChangeOutcome['status'], number> {
  const counts = { applied: 0, redelivered: 0, superseded: 0, failed: 0 };
  for (const outcome of outcomes) counts[outcome.status] += 1;
  return counts;
}
