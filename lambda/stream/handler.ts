import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamHandler, KinesisStreamRecord } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { createCheckpointStore } from './checkpoint-store';
import { processShardBatch, type RecordOutcome } from './core';

/**
 * Every consumer of the stream (the polling one and each enhanced fan-out one) runs this handler;
 * CONSUMER_NAME keeps their checkpoints apart, as independent applications.
 */
const logger = createLogger();
const consumer = requireEnv('CONSUMER_NAME');
const checkpoints = createCheckpointStore(createDocumentClient(), requireEnv('CHECKPOINT_TABLE_NAME'));
const processor = new BatchProcessor(EventType.KinesisDataStreams);

/** `shardId-000000000001:4959...`: Lambda names the shard in each record's event id. */
function shardIdOf(record: KinesisStreamRecord): string {
  return record.eventID.split(':')[0] ?? record.eventID;
}

/**
 * The core decides the whole batch first, because it writes a contiguous run of records with one
 * conditional update; the batch processor then reports those decisions as a partial batch response
 * (failed records by sequence number, or a thrown error when all of them failed, which makes Lambda
 * bisect the batch).
 */
export const handler: KinesisStreamHandler = async (event, context) => {
  const byShard = new Map<string, KinesisStreamRecord[]>();
  for (const record of event.Records) {
    const shardId = shardIdOf(record);
    const records = byShard.get(shardId);
    if (records) records.push(record);
    else byShard.set(shardId, [record]);
  }

  const outcomes = new Map<string, RecordOutcome>();
  for (const [shardId, records] of byShard) {
    const shardOutcomes = await processShardBatch(
      { consumer, shardId, records: records.map((r) => ({ sequenceNumber: r.kinesis.sequenceNumber, data: r.kinesis.data })) },
      checkpoints,
    );
    records.forEach((record, i) => {
      const outcome = shardOutcomes[i];
      if (outcome) outcomes.set(record.eventID, outcome);
    });
    logger.info('shard batch processed', { consumer, shardId, ...countByStatus(shardOutcomes) });
  }

  const recordHandler = (record: KinesisStreamRecord): RecordOutcome['status'] => {
    const outcome = outcomes.get(record.eventID);
    if (outcome === undefined) throw new Error(`no outcome for record ${record.eventID}`);
    if (outcome.status === 'failed') {
      logger.warn('record failed', { consumer, sequenceNumber: record.kinesis.sequenceNumber, reason: outcome.reason });
      throw new Error(outcome.reason);
    }
    return outcome.status;
  };
  return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
};

function countByStatus(outcomes: readonly RecordOutcome[]): Record<RecordOutcome['status'], number> {
  const counts = { recorded: 0, redelivered: 0, outOfOrder: 0, failed: 0 };
  for (const outcome of outcomes) counts[outcome.status] += 1;
  return counts;
}
