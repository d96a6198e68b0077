import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, type KinesisEventSourceSpec } from '../model';
import { describeBatch, type StreamRecordKind } from './stream-batch-engine';

type KinesisMapping = Pick<KinesisEventSourceSpec, 'streamArn' | 'functionName'>;

/** Kinesis records for the stream engine, as one mapping hands them to its function. */
export function kinesisRecords(spec: KinesisMapping, region: string): StreamRecordKind<KinesisRecord, KinesisStreamRecord> {
  const kind: StreamRecordKind<KinesisRecord, KinesisStreamRecord> = {
    sequenceNumber: (record) => record.SequenceNumber ?? '',
    arrivalMillis,
    laneKey: (record) => record.PartitionKey ?? '',
    toLambdaRecord: (record, shardId) => toKinesisStreamRecord(record, shardId, spec, region),
    batchInfo: (shardId, records) => ({ KinesisBatchInfo: describeBatch(kind, spec.streamArn, shardId, records) }),
  };
  return kind;
}

function arrivalMillis(record: KinesisRecord): number {
  return record.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
}

/** A stream record as Lambda hands it to the function (data base64-encoded, arrival in epoch seconds). */
export function toKinesisStreamRecord(record: KinesisRecord, shardId: string, spec: KinesisMapping, region: string): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrivalMillis(record) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    // The function's execution role; the local cloud has no IAM, so a stand-in named after the function.
    invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${spec.functionName}-local-role`,
    awsRegion: region,
    eventSourceARN: spec.streamArn,
  };
}
