import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamHandler, KinesisStreamRecord } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { createCheckpointStore } from './checkpoint-store';
import { processStreamBatch, shardIdOfEventId, type RecordOutcome, type StreamRecord } from './core';

/**
 * Every consumer of the stream (the polling one and each enhanced fan-out one) runs this handler;
 * CONSUMER_NAME keeps their checkpoints apart, as independent applications.
 */
const logger = createLogger();
const consumer = requireEnv('CONSUMER_NAME');
const checkpoints = createCheckpointStore(createDocumentClient(), requireEnv('CHECKPOINT_TABLE_NAME'));
const processor = new BatchProcessor(EventType.KinesisDataStreams);

const streamRecord = (record: KinesisStreamRecord): StreamRecord => ({
  shardId: shardIdOfEventId(record.eventID),
  sequenceNumber: record.kinesis.sequenceNumber,
  partitionKey: record.kinesis.partitionKey,
  data: record.kinesis.data,
});

/**
 * The core decides the whole batch first, because it writes a contiguous run of records with one
 * conditional update; the batch processor then reports those decisions as a partial batch response
 * (failed records by sequence number, or a thrown error when all of them failed, which makes Lambda
 * bisect the batch).
 */
export const handler: KinesisStreamHandler = async (event, context) => {
  const { outcomes, shards } = await processStreamBatch(consumer, event.Records.map(streamRecord), checkpoints);
  for (const shard of shards) logger.info('shard batch processed', { consumer, shardId: shard.shardId, ...shard.counts });
  const outcomeOf = new Map(event.Records.map((record, i) => [record.eventID, outcomes[i]]));

  const recordHandler = (record: KinesisStreamRecord): RecordOutcome['status'] => {
    const outcome = outcomeOf.get(record.eventID);
    if (outcome === undefined) throw new Error(`no outcome for record ${record.eventID}`);
    if (outcome.status === 'failed') {
      logger.warn('record failed', { consumer, sequenceNumber: record.kinesis.sequenceNumber, reason: outcome.reason });
      throw new Error(outcome.reason);
    }
    return outcome.status;
  };
  return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
};
