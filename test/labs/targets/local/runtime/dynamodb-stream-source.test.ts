import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  TrimmedDataAccessException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as ChangeRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDbStreamEventSourceSpec } from '../../../../../labs/targets/local/model';
import { DynamoDbStreamSource, toDynamoDbRecord } from '../../../../../labs/targets/local/runtime/dynamodb-stream-source';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import { fakeRuntimeContext } from './fake-runtime-context';
import { fixtureFunction } from './function-specs';
import { kinesisSource } from './local-cloud';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/products/stream/2026-12-01T00:00:00.000';
const DESTINATION = 'arn:aws:sqs:us-east-1:000000000000:cdc-failures';
const streams = mockClient(DynamoDBStreamsClient);

/** A mapping with the shared stream fixture's settings (Lambda's defaults), on the products table's stream. */
function mapping(overrides: Partial<DynamoDbStreamEventSourceSpec> = {}): DynamoDbStreamEventSourceSpec {
  const { kind: _kind, streamName: _streamName, ...settings } = kinesisSource({ functionName: 'Projector', streamName: 'products', streamArn: STREAM_ARN });
  return { ...settings, kind: 'dynamodb', logicalId: 'ProjectorMapping', tableName: 'products', ...overrides };
}

/** A change to product `id`, with the sequence number `sequence`. */
function change(id: string, sequence: number, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'MODIFY'): ChangeRecord {
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    dynamodb: {
      ApproximateCreationDateTime: new Date(Date.UTC(2026, 11, 1, 20, 0, 0)),
      Keys: { id: { S: id } },
      NewImage: { id: { S: id }, price: { N: String(sequence) } },
      SequenceNumber: String(sequence),
      SizeBytes: 20,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** A running source over the mocked stream, whose function answers with `respond` and records what it got. */
function harness(spec: DynamoDbStreamEventSourceSpec, respond: (event: DynamoDBStreamEvent) => InvocationOutcome = () => ok) {
  const delivered: DynamoDBRecord[] = [];
  const abort = new AbortController();
  const fake = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Projector' }), (event) => {
    delivered.push(...(event as DynamoDBStreamEvent).Records);
    return respond(event as DynamoDBStreamEvent);
  });
  const context: RuntimeContext = { ...fake.context, signal: abort.signal, dynamodbStreams: () => new DynamoDBStreamsClient({ region: 'us-east-1' }) };
  const source = new DynamoDbStreamSource(context, spec);
  const stop = async (): Promise<void> => {
    abort.abort();
    await source.stop();
  };
  running.push(stop);
  return {
    source,
    delivered,
    sent: fake.sent,
    faults: fake.faults,
    stop,
  };
}

/** Stops every source a test started, whether or not the test passed, so no poll outlives it. */
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

const ok: InvocationOutcome = { ok: true, requestId: 'req-ok', payload: null };

/** Shards with fixed records: a closed shard's last read names no next iterator. */
function stream(shards: Array<{ shardId: string; parent?: string; closed: boolean; records: ChangeRecord[] }>): void {
  streams.on(DescribeStreamCommand).resolves({
    StreamDescription: {
      StreamArn: STREAM_ARN,
      Shards: shards.map(({ shardId, parent, closed }) => ({
        ShardId: shardId,
        ...(parent ? { ParentShardId: parent } : {}),
        SequenceNumberRange: { StartingSequenceNumber: '0', ...(closed ? { EndingSequenceNumber: '999' } : {}) },
      })),
    },
  });
  streams.on(GetShardIteratorCommand).callsFake((input: { ShardId: string }) => ({ ShardIterator: `${input.ShardId}#0` }));
  streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
    const [shardId, page] = input.ShardIterator.split('#');
    const shard = shards.find((candidate) => candidate.shardId === shardId);
    if (shard === undefined) throw new Error(`no shard ${shardId}`);
    if (page === '0') return { Records: shard.records, NextShardIterator: shard.closed ? undefined : `${shardId}#1` };
    return { Records: [], NextShardIterator: `${shardId}#1` };
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 3_000) throw new Error('condition not met within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('DynamoDbStreamSource', () => {
  beforeEach(() => streams.reset());

  it('hands the function records shaped as Lambda does: images in the wire format, creation time in epoch seconds, the mapping stream ARN', () => {
    // GIVEN a change with a binary attribute, as the SDK decodes it
    const record = change('p-1', 7, 'INSERT');
    record.dynamodb = { ...record.dynamodb, NewImage: { id: { S: 'p-1' }, thumbnail: { B: Buffer.from('png') }, tags: { L: [{ S: 'blue' }] } } };

    // WHEN
    const lambdaRecord = toDynamoDbRecord(record, mapping(), 'us-east-1');

    // THEN
    expect(lambdaRecord).toEqual({
      eventID: 'event-7',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: Date.UTC(2026, 11, 1, 20, 0, 0) / 1000,
        Keys: { id: { S: 'p-1' } },
        NewImage: { id: { S: 'p-1' }, thumbnail: { B: Buffer.from('png').toString('base64') }, tags: { L: [{ S: 'blue' }] } },
        SequenceNumber: '7',
        SizeBytes: 20,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it('reads a closed parent shard to its end before its child, and the child from TRIM_HORIZON', async () => {
    // GIVEN a closed parent and its open child, listed child first
    stream([
      { shardId: 'shard-child', parent: 'shard-parent', closed: false, records: [change('p-1', 30), change('p-2', 31)] },
      { shardId: 'shard-parent', closed: true, records: [change('p-1', 10), change('p-2', 11), change('p-1', 12)] },
    ]);
    const run = harness(mapping({ batchSize: 2 }));

    // WHEN
    await run.source.start();
    await until(() => run.delivered.length === 5);
    await run.stop();

    // THEN every parent record came first, in order, and the child was positioned at its start
    expect(run.faults).toEqual([]);
    expect(run.delivered.map((record) => record.dynamodb?.SequenceNumber)).toEqual(['10', '11', '12', '30', '31']);
    const iterators = streams.commandCalls(GetShardIteratorCommand).map((call) => [call.args[0].input.ShardId, call.args[0].input.ShardIteratorType]);
    expect(iterators).toEqual([
      ['shard-parent', 'TRIM_HORIZON'],
      ['shard-child', 'TRIM_HORIZON'],
    ]);
  });

  it('applies the batch size of the mapping to GetRecords and to each invocation', async () => {
    stream([{ shardId: 'shard-1', closed: false, records: [change('a', 1), change('b', 2), change('c', 3)] }]);
    const sizes: number[] = [];
    const run = harness(mapping({ batchSize: 2 }), (event) => {
      sizes.push(event.Records.length);
      return ok;
    });

    await run.source.start();
    await until(() => run.delivered.length === 3);
    await run.stop();

    expect(streams.commandCalls(GetRecordsCommand)[0]?.args[0].input.Limit).toBe(2);
    expect(sizes).toEqual([2, 1]);
  });

  it('sends exhausted records to the on-failure destination as a DDBStreamBatchInfo record', async () => {
    // GIVEN a function that always fails, no retries, a destination
    stream([{ shardId: 'shard-1', closed: false, records: [change('a', 1), change('b', 2)] }]);
    const run = harness(mapping({ maximumRetryAttempts: 0, onFailureDestinationArn: DESTINATION }), () => ({
      ok: false,
      requestId: 'req-failed',
      error: { errorType: 'Error', errorMessage: 'index down', trace: [] },
    }));

    // WHEN
    await run.source.start();
    await until(() => run.sent.length === 1);
    await run.stop();

    // THEN
    expect(run.sent[0]?.arn).toBe(DESTINATION);
    expect(run.sent[0]?.body).toMatchObject({
      requestContext: { requestId: 'req-failed', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: 'shard-1',
        startSequenceNumber: '1',
        endSequenceNumber: '2',
        approximateArrivalOfFirstRecord: '2026-12-01T20:00:00Z',
        approximateArrivalOfLastRecord: '2026-12-01T20:00:00Z',
        batchSize: 2,
        streamArn: STREAM_ARN,
      },
    });
    expect(run.sent[0]?.body).not.toHaveProperty('KinesisBatchInfo');
  });

  it.each([
    ['expired', new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} })],
    ['past the trim horizon', new TrimmedDataAccessException({ message: 'The operation attempted to read past the oldest stream record in a shard.', $metadata: {} })],
  ])('takes a new iterator after the last record read when its iterator is %s', async (_case, failure) => {
    // GIVEN a shard whose second read fails that way
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1', SequenceNumberRange: {} }] } });
    streams
      .on(GetShardIteratorCommand)
      .callsFake((input: { ShardIteratorType: string; SequenceNumber?: string }) => ({ ShardIterator: `${input.ShardIteratorType}:${input.SequenceNumber ?? ''}` }));
    streams
      .on(GetRecordsCommand, { ShardIterator: 'TRIM_HORIZON:' })
      .resolves({ Records: [change('a', 1)], NextShardIterator: 'stale' })
      .on(GetRecordsCommand, { ShardIterator: 'stale' })
      .rejects(failure)
      .on(GetRecordsCommand, { ShardIterator: 'AFTER_SEQUENCE_NUMBER:1' })
      .resolves({ Records: [change('b', 2)], NextShardIterator: 'AFTER_SEQUENCE_NUMBER:1-end' })
      .on(GetRecordsCommand, { ShardIterator: 'AFTER_SEQUENCE_NUMBER:1-end' })
      .resolves({ Records: [], NextShardIterator: 'AFTER_SEQUENCE_NUMBER:1-end' });
    const run = harness(mapping());

    // WHEN
    await run.source.start();
    await until(() => run.delivered.length === 2);
    await run.stop();

    // THEN nothing was lost or repeated, and the fault was not reported as one of the local cloud
    expect(run.delivered.map((record) => record.dynamodb?.SequenceNumber)).toEqual(['1', '2']);
    expect(run.faults).toEqual([]);
  });
});
