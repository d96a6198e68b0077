import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type AttributeValue as StreamAttributeValue,
  type _Record as ChangeRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { DynamoDbStreamEventSourceSpec } from '../model';
import type { RuntimeContext } from './runtime-context';
import type { ShardProcessor } from './shard-processor';
import { describeBatch, type StreamRecordKind } from './stream-batch-engine';
import { StreamSource, type ShardPoller, type ShardPosition, type ShardReader, type StreamShard } from './stream-source';

/** GetRecords returns at most 1,000 records per call on DynamoDB Streams. */
const GET_RECORDS_LIMIT = 1_000;

type DynamoDbMapping = Pick<DynamoDbStreamEventSourceSpec, 'streamArn' | 'functionName'>;

/** DynamoDB Streams records for the stream engine, as one mapping hands them to its function. */
export function dynamodbStreamRecords(spec: DynamoDbMapping, region: string): StreamRecordKind<ChangeRecord, DynamoDBRecord> {
  const kind: StreamRecordKind<ChangeRecord, DynamoDBRecord> = {
    sequenceNumber: (record) => record.dynamodb?.SequenceNumber ?? '',
    arrivalMillis,
    // One item's changes share a lane, so they reach the function in order with any ParallelizationFactor.
    laneKey: (record) => JSON.stringify(sortedKeys(record.dynamodb?.Keys ?? {})),
    toLambdaRecord: (record) => toDynamoDbRecord(record, spec, region),
    // DynamoDB Streams' on-failure record names its batch `DDBStreamBatchInfo`, with arrivals in whole seconds.
    batchInfo: (shardId, records) => ({
      DDBStreamBatchInfo: describeBatch(kind, spec.streamArn, shardId, records, (millis) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    }),
  };
  return kind;
}

function arrivalMillis(record: ChangeRecord): number {
  return record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now();
}

function sortedKeys(keys: Record<string, StreamAttributeValue>): Array<[string, unknown]> {
  return Object.entries(keys).sort(([a], [b]) => a.localeCompare(b));
}

/** A change record as Lambda hands it to the function: images in the wire format, creation time in epoch seconds. */
export function toDynamoDbRecord(record: ChangeRecord, spec: DynamoDbMapping, region: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(arrivalMillis(record) / 1000),
      ...(change.Keys ? { Keys: toLambdaImage(change.Keys) } : {}),
      ...(change.NewImage ? { NewImage: toLambdaImage(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: toLambdaImage(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    eventSourceARN: spec.streamArn,
  };
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

/** The SDK decodes binary attributes to bytes; Lambda's event carries them base64-encoded, as on the wire. */
function toLambdaValue(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  return value as AttributeValue;
}

function iteratorType(position: ShardPosition): { ShardIteratorType: ShardIteratorType; SequenceNumber?: string } {
  switch (position.type) {
    case 'AFTER_SEQUENCE_NUMBER':
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber };
    case 'AT_TIMESTAMP':
      // Lambda refuses AT_TIMESTAMP on a DynamoDB stream; the provisioner does too, so this is a defect.
      throw new Error('DynamoDB Streams have no AT_TIMESTAMP iterator: start the mapping at TRIM_HORIZON or LATEST');
    default:
      return { ShardIteratorType: position.type };
  }
}

/**
 * A mapping on a table's stream: shards listed with DescribeStream (a shard closes about every four
 * hours on AWS and names its one parent), each read with GetRecords by the generic stream engine.
 */
export class DynamoDbStreamSource extends StreamSource<ChangeRecord, DynamoDBRecord> {
  constructor(
    context: RuntimeContext,
    protected override readonly spec: DynamoDbStreamEventSourceSpec,
  ) {
    super(context, spec, dynamodbStreamRecords(spec, context.region));
  }

  protected override async listShards(): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.context
        .dynamodbStreams()
        .send(new DescribeStreamCommand({ StreamArn: this.spec.streamArn, ExclusiveStartShardId: exclusiveStartShardId }), {
          abortSignal: this.context.signal,
        });
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardIds: shard.ParentShardId === undefined ? [] : [shard.ParentShardId],
          closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  protected override openShard(
    shardId: string,
    position: ShardPosition,
    processor: ShardProcessor<ChangeRecord>,
    signal: AbortSignal,
  ): Promise<ShardReader> {
    const { context, spec } = this;
    const poller: ShardPoller<ChangeRecord> = {
      async iterator(id, from) {
        const response = await context
          .dynamodbStreams()
          .send(new GetShardIteratorCommand({ StreamArn: spec.streamArn, ShardId: id, ...iteratorType(from) }), { abortSignal: signal });
        return response.ShardIterator;
      },
      async getRecords(iterator) {
        const response = await context
          .dynamodbStreams()
          .send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(GET_RECORDS_LIMIT, spec.batchSize) }), { abortSignal: signal });
        return { records: response.Records ?? [], nextIterator: response.NextShardIterator };
      },
      // An iterator past the trim horizon is as good as expired: a new one from the last record read (or
      // the mapping's start) reads on. DynamoDB Local answers so, now and then, on an iterator taken while
      // its new shard was still empty, and would otherwise hold the shard forever.
      isExpiredIterator: (error) => error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException,
    };
    return this.pollingReader(shardId, position, processor, poller, signal);
  }
}
