import { describeBatch, type StreamRecordKind } from '../../../../../labs/targets/local/runtime/stream-batch-engine';

/**
 * A record kind that is not Kinesis, shaped like DynamoDB Streams: a composite item key instead of a
 * partition key, creation times in whole seconds, and its own batch description key. The engine's
 * tests run with it to show that nothing in the engine assumes Kinesis.
 */
export interface ChangeRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly dynamodb: {
    readonly Keys: { readonly pk: string; readonly sk: string };
    readonly SequenceNumber: string;
    /** Epoch seconds. */
    readonly ApproximateCreationDateTime: number;
  };
}

export interface LambdaChange {
  readonly eventID: string;
  readonly eventName: string;
  readonly eventSourceARN: string;
  readonly change: ChangeRecord['dynamodb'];
}

export function changeFeed(streamArn: string): StreamRecordKind<ChangeRecord, LambdaChange> {
  const kind: StreamRecordKind<ChangeRecord, LambdaChange> = {
    sequenceNumber: (record) => record.dynamodb.SequenceNumber,
    arrivalMillis: (record) => record.dynamodb.ApproximateCreationDateTime * 1000,
    laneKey: (record) => `${record.dynamodb.Keys.pk}#${record.dynamodb.Keys.sk}`,
    toLambdaRecord: (record) => ({ eventID: record.eventID, eventName: record.eventName, eventSourceARN: streamArn, change: record.dynamodb }),
    batchInfo: (shardId, records) => ({
      ChangeBatchInfo: describeBatch(kind, streamArn, shardId, records, (millis) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    }),
  };
  return kind;
}

/** `count` changes, `ageSeconds` old, sequence numbers from `first` up, on items `pk-<n % keys>`. */
export function changeRecords(count: number, ageSeconds = 0, first = 1000, keys = count): ChangeRecord[] {
  const createdAt = Math.floor(Date.now() / 1000) - ageSeconds;
  return Array.from({ length: count }, (_, index) => ({
    eventID: `event-${first + index}`,
    eventName: 'MODIFY',
    dynamodb: { Keys: { pk: `pk-${index % keys}`, sk: 'order' }, SequenceNumber: String(first + index), ApproximateCreationDateTime: createdAt },
  }));
}
