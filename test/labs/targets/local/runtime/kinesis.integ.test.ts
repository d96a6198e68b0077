import { KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { fixtureFunction } from './function-specs';
import {
  createQueue,
  createStream,
  drainQueue,
  kinesisSource,
  localRuntimeHarness,
  newRecordFile,
  readInvocations,
  registerConsumer,
  waitFor,
  type Invocation,
} from './local-cloud';

jest.setTimeout(60_000);

interface Put {
  readonly id: number;
  readonly key: string;
  readonly poison?: boolean;
}

describe('local runtime event sources: Kinesis', () => {
  const harness = localRuntimeHarness(['kinesis', 'sqs']);
  const run = harness.run;
  let kinesis: KinesisClient;
  let sqs: SQSClient;

  beforeAll(() => {
    kinesis = harness.client('kinesis', (config) => new KinesisClient(config));
    sqs = harness.client('sqs', (config) => new SQSClient(config));
  });

  async function put(streamArn: string, records: readonly Put[]): Promise<PutRecordsResultEntry[]> {
    const { Records } = await kinesis.send(
      new PutRecordsCommand({
        StreamARN: streamArn,
        Records: records.map((record) => ({ PartitionKey: record.key, Data: Buffer.from(JSON.stringify(record)) })),
      }),
    );
    return Records ?? [];
  }

  function sequenceNumbersByShard(invocations: readonly Invocation<KinesisStreamEvent>[]): Map<string, string[]> {
    const byShard = new Map<string, string[]>();
    for (const record of invocations.flatMap((invocation) => invocation.event.Records)) {
      const shardId = record.eventID.split(':')[0] as string;
      byShard.set(shardId, [...(byShard.get(shardId) ?? []), record.kinesis.sequenceNumber]);
    }
    return byShard;
  }

  function expectAscending(sequenceNumbers: readonly string[]): void {
    const asNumbers = sequenceNumbers.map((sequenceNumber) => BigInt(sequenceNumber));
    const sorted = [...asNumbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(asNumbers).toEqual(sorted);
  }

  it('delivers each shard in order, in batches of at most batchSize, with Lambda\'s record shape', async () => {
    // GIVEN
    const streamArn = await createStream(kinesis, 'ordered', 2);
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile } });
    await run([fn], [kinesisSource({ functionName: fn.functionName, streamArn, streamName: 'ordered', batchSize: 5, startingPosition: 'LATEST' })]);

    // WHEN (after the runtime started, so LATEST must already be positioned)
    const puts = Array.from({ length: 24 }, (_, index) => ({ id: index + 1, key: `key-${index % 4}` }));
    await put(streamArn, puts.slice(0, 12));
    await put(streamArn, puts.slice(12));

    // THEN
    const invocations = await waitFor('24 records', () => {
      const all = readInvocations<KinesisStreamEvent>(recordFile);
      return all.flatMap((invocation) => invocation.ids).length >= 24 ? all : undefined;
    });
    expect(invocations.flatMap((invocation) => invocation.ids).sort((a, b) => a - b)).toEqual(puts.map((p) => p.id));
    expect(Math.max(...invocations.map((invocation) => invocation.ids.length))).toBeLessThanOrEqual(5);
    const byShard = sequenceNumbersByShard(invocations);
    expect(byShard.size).toBe(2);
    for (const sequenceNumbers of byShard.values()) expectAscending(sequenceNumbers);
    for (const key of ['key-0', 'key-1', 'key-2', 'key-3']) {
      const ids = invocations.flatMap((invocation) => invocation.event.Records.filter((r) => r.kinesis.partitionKey === key)).map(
        (r) => (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as Put).id,
      );
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    const record = invocations[0]?.event.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      eventSourceARN: streamArn,
      awsRegion: 'us-east-1',
      kinesis: { kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: expect.any(Number) },
    });
    expect(record?.eventID).toBe(`${record?.eventID.split(':')[0]}:${record?.kinesis.sequenceNumber}`);
  });

  it('retries a partially failed batch from the lowest failed record, then sends the rest to the on-failure destination', async () => {
    // GIVEN records already in the stream, read from TRIM_HORIZON by a function that reports the poison one
    const streamArn = await createStream(kinesis, 'partial', 1);
    const destination = await createQueue(sqs, 'partial-failures');
    const puts: Put[] = [1, 2, 3, 4, 5].map((id) => ({ id, key: 'one-key', poison: id === 3 }));
    const entries = await put(streamArn, puts);
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, FAILURE_MODE: 'report-poison' } });

    // WHEN
    await run(
      [fn],
      [kinesisSource({ functionName: fn.functionName, streamArn, streamName: 'partial', reportBatchItemFailures: true, maximumRetryAttempts: 2, onFailureDestinationArn: destination.arn })],
      { [destination.arn]: destination.url },
    );

    // THEN: [1..5], then [3..5] twice, then the destination gets 3..5
    const [failure] = await waitFor('the on-failure record', async () => {
      const messages = await drainQueue(sqs, destination.url);
      return messages.length > 0 ? messages : undefined;
    });
    expect(readInvocations(recordFile).map((invocation) => invocation.ids)).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
      [3, 4, 5],
    ]);
    expect(JSON.parse(failure?.Body as string)).toMatchObject({
      requestContext: { functionArn: fn.functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: entries[2]?.SequenceNumber,
        endSequenceNumber: entries[4]?.SequenceNumber,
        batchSize: 3,
        streamArn,
      },
    });
  });

  it('bisects a failing batch, retries the poison record alone, sends it to the destination and moves on', async () => {
    // GIVEN
    const streamArn = await createStream(kinesis, 'bisect', 1);
    const destination = await createQueue(sqs, 'bisect-failures');
    const puts: Put[] = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ id, key: `key-${id}`, poison: id === 5 }));
    const entries = await put(streamArn, puts);
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, FAILURE_MODE: 'throw-poison' } });

    // WHEN
    await run(
      [fn],
      [
        kinesisSource({
          functionName: fn.functionName,
          streamArn,
          streamName: 'bisect',
          bisectBatchOnFunctionError: true,
          maximumRetryAttempts: 1,
          onFailureDestinationArn: destination.arn,
        }),
      ],
      { [destination.arn]: destination.url },
    );

    // THEN
    const [failure] = await waitFor('the on-failure record', async () => {
      const messages = await drainQueue(sqs, destination.url);
      return messages.length > 0 ? messages : undefined;
    });
    const invocations = await waitFor('the records after the poison one', () => {
      const all = readInvocations(recordFile);
      return all.some((invocation) => invocation.ids.includes(8) && !invocation.threw) ? all : undefined;
    });
    expect(invocations.map((invocation) => invocation.ids)).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [5, 6],
      [5],
      [5],
      [6],
      [7, 8],
    ]);
    expect(JSON.parse(failure?.Body as string)).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: 'Unhandled' },
      KinesisBatchInfo: { batchSize: 1, startSequenceNumber: entries[4]?.SequenceNumber, endSequenceNumber: entries[4]?.SequenceNumber },
    });
  });

  it('runs parallelizationFactor batches of one shard at once, keeping each partition key in order', async () => {
    // GIVEN
    const streamArn = await createStream(kinesis, 'parallel', 1);
    const puts: Put[] = Array.from({ length: 40 }, (_, index) => ({ id: index + 1, key: `key-${index % 8}` }));
    await put(streamArn, puts);
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, SLEEP_MS: '100' } });

    // WHEN
    const rt = await run([fn], [kinesisSource({ functionName: fn.functionName, streamArn, streamName: 'parallel', batchSize: 2, parallelizationFactor: 4 })]);

    // THEN
    const invocations = await waitFor('40 records', () => {
      const all = readInvocations<KinesisStreamEvent>(recordFile);
      return all.flatMap((invocation) => invocation.ids).length >= 40 ? all : undefined;
    });
    expect(rt.stats(fn.functionName).maxConcurrent).toBeGreaterThan(1);
    expect(rt.stats(fn.functionName).maxConcurrent).toBeLessThanOrEqual(4);
    for (let key = 0; key < 8; key += 1) {
      const ids = invocations.flatMap((invocation) => invocation.ids).filter((id) => (id - 1) % 8 === key);
      expect(ids).toEqual(puts.filter((p) => p.key === `key-${key}`).map((p) => p.id));
    }
  });

  it('gives every enhanced fan-out consumer every record, each shard in order', async () => {
    // GIVEN two consumers of one stream, each with its own function
    const streamArn = await createStream(kinesis, 'fanout', 2);
    const [arnA, arnB] = await Promise.all([registerConsumer(kinesis, streamArn, 'consumer-a'), registerConsumer(kinesis, streamArn, 'consumer-b')]);
    const files = { a: newRecordFile(), b: newRecordFile() };
    const fnA = fixtureFunction('recorder', { functionName: 'ConsumerA', environment: { RECORD_FILE: files.a } });
    const fnB = fixtureFunction('recorder', { functionName: 'ConsumerB', environment: { RECORD_FILE: files.b } });
    await run(
      [fnA, fnB],
      [
        kinesisSource({ functionName: 'ConsumerA', streamArn, streamName: 'fanout', consumerArn: arnA, consumerName: 'consumer-a', startingPosition: 'LATEST', batchSize: 4 }),
        kinesisSource({ functionName: 'ConsumerB', streamArn, streamName: 'fanout', consumerArn: arnB, consumerName: 'consumer-b', startingPosition: 'LATEST' }),
      ],
    );

    // WHEN
    const puts: Put[] = Array.from({ length: 16 }, (_, index) => ({ id: index + 1, key: `key-${index % 5}` }));
    await put(streamArn, puts.slice(0, 8));
    await put(streamArn, puts.slice(8));

    // THEN
    for (const file of [files.a, files.b]) {
      const invocations = await waitFor(`16 records in ${file}`, () => {
        const all = readInvocations<KinesisStreamEvent>(file);
        return all.flatMap((invocation) => invocation.ids).length >= 16 ? all : undefined;
      });
      expect(invocations.flatMap((invocation) => invocation.ids).sort((a, b) => a - b)).toEqual(puts.map((p) => p.id));
      const byShard = sequenceNumbersByShard(invocations);
      for (const sequenceNumbers of byShard.values()) expectAscending(sequenceNumbers);
    }
    expect(Math.max(...readInvocations(files.a).map((invocation) => invocation.ids.length))).toBeLessThanOrEqual(4);
  });
});
