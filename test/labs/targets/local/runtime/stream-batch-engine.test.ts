import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { KinesisEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import { kinesisRecords } from '../../../../../labs/targets/local/runtime/kinesis-records';
import { describeBatch, StreamBatchEngine, type StreamRecordKind } from '../../../../../labs/targets/local/runtime/stream-batch-engine';
import { changeFeed, changeRecords, type ChangeRecord, type LambdaChange } from './change-feed';
import { fakeRuntimeContext } from './fake-runtime-context';
import { kinesisSource } from './local-cloud';
import { fixtureFunction } from './function-specs';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const TABLE_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000';
const DESTINATION = 'arn:aws:sqs:us-east-1:000000000000:failures';

function spec(overrides: Partial<KinesisEventSourceSpec> = {}): KinesisEventSourceSpec {
  return kinesisSource({
    logicalId: 'Mapping',
    functionName: 'Consumer',
    streamName: 'orders',
    streamArn: STREAM_ARN,
    maximumRetryAttempts: 2,
    onFailureDestinationArn: DESTINATION,
    ...overrides,
  });
}

const ok = (payload: unknown = null): InvocationOutcome => ({ ok: true, requestId: 'req', payload });
const error: InvocationOutcome = { ok: false, requestId: 'req', error: { errorType: 'Error', errorMessage: 'boom', trace: [] } };

/** A record kind under test: how to make its records, and how to read sequence numbers back from what the function got. */
interface KindUnderTest<R, L> {
  readonly kind: StreamRecordKind<R, L>;
  /** `count` records, `ageSeconds` old, sequence numbers from `first` up. */
  records(count: number, ageSeconds?: number, first?: number): R[];
  sequenceNumbersOf(records: readonly L[]): string[];
  /** The key and time format of the kind's batch description in an on-failure record. */
  readonly batchInfoKey: string;
  readonly streamArn: string;
  formatTime(millis: number): string;
}

const kinesis: KindUnderTest<KinesisRecord, KinesisStreamRecord> = {
  kind: kinesisRecords(spec(), 'us-east-1'),
  records: (count, ageSeconds = 0, first = 1000) =>
    Array.from({ length: count }, (_, index) => ({
      SequenceNumber: String(first + index),
      PartitionKey: `key-${index}`,
      Data: Buffer.from(JSON.stringify({ id: index + 1 })),
      ApproximateArrivalTimestamp: new Date(Date.now() - ageSeconds * 1000),
    })),
  sequenceNumbersOf: (records) => records.map((record) => record.kinesis.sequenceNumber),
  batchInfoKey: 'KinesisBatchInfo',
  streamArn: STREAM_ARN,
  formatTime: (millis) => new Date(millis).toISOString(),
};

// Not Kinesis: records with item keys and second-precision creation times, as DynamoDB Streams has.
const changes: KindUnderTest<ChangeRecord, LambdaChange> = {
  kind: changeFeed(TABLE_STREAM_ARN),
  records: changeRecords,
  sequenceNumbersOf: (records) => records.map((record) => record.change.SequenceNumber),
  batchInfoKey: 'ChangeBatchInfo',
  streamArn: TABLE_STREAM_ARN,
  formatTime: (millis) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z'),
};

describe.each([
  ['Kinesis records', kinesis],
  ['change-feed records (not Kinesis)', changes],
] as Array<[string, KindUnderTest<unknown, unknown>]>)('StreamBatchEngine with %s', (_name, under) => {
  /** A runtime context whose function answers with `respond(sequenceNumbers)` and whose destination is recorded. */
  function harness(respond: (sequenceNumbers: string[]) => InvocationOutcome) {
    const batches: string[][] = [];
    const { context, sent, faults } = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Consumer' }), (event) => {
      const sequenceNumbers = under.sequenceNumbersOf((event as { Records: unknown[] }).Records);
      batches.push(sequenceNumbers);
      return respond(sequenceNumbers);
    });
    return { batches, sent, faults, context };
  }

  const engine = (context: ReturnType<typeof harness>['context'], overrides: Partial<KinesisEventSourceSpec> = {}) =>
    new StreamBatchEngine(context, spec(overrides), under.kind, 0);
  const batchInfoOf = (body: Record<string, unknown>) => body[under.batchInfoKey] as Record<string, unknown>;

  it('invokes a healthy batch once and sends nothing anywhere', async () => {
    const { batches, sent, context } = harness(() => ok());

    await engine(context).process('shardId-000000000000', under.records(3));

    expect(batches).toEqual([['1000', '1001', '1002']]);
    expect(sent).toEqual([]);
  });

  it('retries a failing batch maximumRetryAttempts times, then sends Lambda\'s on-failure record', async () => {
    const { batches, sent, context } = harness(() => error);
    const input = under.records(2);

    await engine(context, { maximumRetryAttempts: 2 }).process('shardId-000000000001', input);

    expect(batches).toHaveLength(3);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.arn).toBe(DESTINATION);
    expect(sent[0]?.body).toEqual({
      requestContext: { requestId: 'req', functionArn: expect.stringMatching(/:function:Consumer$/), condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      [under.batchInfoKey]: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: '1000',
        endSequenceNumber: '1001',
        approximateArrivalOfFirstRecord: under.formatTime(under.kind.arrivalMillis(input[0])),
        approximateArrivalOfLastRecord: under.formatTime(under.kind.arrivalMillis(input[1])),
        batchSize: 2,
        streamArn: under.streamArn,
      },
    });
  });

  it('bisects without spending retries until the poison record is alone', async () => {
    const { batches, sent, context } = harness((sequenceNumbers) => (sequenceNumbers.includes('1002') ? error : ok()));

    await engine(context, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }).process('shard', under.records(4));

    expect(batches).toEqual([['1000', '1001', '1002', '1003'], ['1000', '1001'], ['1002', '1003'], ['1002'], ['1003']]);
    expect(sent.map((message) => batchInfoOf(message.body).startSequenceNumber)).toEqual(['1002']);
  });

  it('retries from the lowest failed record of a partial batch response', async () => {
    let calls = 0;
    const { batches, sent, context } = harness(() => {
      calls += 1;
      return calls === 1 ? ok({ batchItemFailures: [{ itemIdentifier: '1003' }, { itemIdentifier: '1001' }] }) : ok({ batchItemFailures: [] });
    });

    await engine(context, { reportBatchItemFailures: true }).process('shard', under.records(4));

    expect(batches).toEqual([['1000', '1001', '1002', '1003'], ['1001', '1002', '1003']]);
    expect(sent).toEqual([]);
  });

  it('with bisect and partial responses, retries from the poison record, bisects it out alone, and applies the rest once', async () => {
    // GIVEN a function that applies records in order and stops at the poison one, as the cdc projectors do:
    // a partial response from the poison on, a function error when the poison comes first.
    const applied: string[] = [];
    const { batches, sent, context } = harness((sequenceNumbers) => {
      const poison = sequenceNumbers.indexOf('1002');
      if (poison === 0) return error;
      for (const sequenceNumber of poison === -1 ? sequenceNumbers : sequenceNumbers.slice(0, poison)) applied.push(sequenceNumber);
      return ok({ batchItemFailures: poison === -1 ? [] : sequenceNumbers.slice(poison).map((itemIdentifier) => ({ itemIdentifier })) });
    });

    // WHEN
    await engine(context, { bisectBatchOnFunctionError: true, reportBatchItemFailures: true, maximumRetryAttempts: 3 }).process('shard', under.records(6));

    // THEN Lambda retries from the returned sequence number, bisects the failing rest, retries the poison alone
    expect(batches).toEqual([
      ['1000', '1001', '1002', '1003', '1004', '1005'],
      ['1002', '1003', '1004', '1005'],
      ['1002', '1003'],
      ['1002'],
      ['1002'],
      ['1002'],
      ['1003'],
      ['1004', '1005'],
    ]);
    expect(applied).toEqual(['1000', '1001', '1003', '1004', '1005']);
    expect(sent.map((message) => batchInfoOf(message.body))).toEqual([expect.objectContaining({ startSequenceNumber: '1002', batchSize: 1 })]);
  });

  it('treats a partial batch response naming an unknown record as a failure of the whole batch', async () => {
    const { batches, context } = harness(() => ok({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }));

    await engine(context, { reportBatchItemFailures: true, maximumRetryAttempts: 1 }).process('shard', under.records(2));

    expect(batches).toEqual([['1000', '1001'], ['1000', '1001']]);
  });

  it('ignores batchItemFailures when the mapping does not report them', async () => {
    const { batches, context } = harness(() => ok({ batchItemFailures: [{ itemIdentifier: '1000' }] }));

    await engine(context, { reportBatchItemFailures: false }).process('shard', under.records(2));

    expect(batches).toHaveLength(1);
  });

  it('discards records older than maximumRecordAgeSeconds and reports them to the destination', async () => {
    const { batches, sent, context } = harness(() => ok());
    const input = [...under.records(2, 120), ...under.records(1, 0, 2000)];

    await engine(context, { maximumRecordAgeSeconds: 60 }).process('shard', input);

    expect(batches).toEqual([['2000']]);
    expect(sent[0]?.body).toMatchObject({ requestContext: { condition: 'RecordAgeExceeded' }, [under.batchInfoKey]: { batchSize: 2, startSequenceNumber: '1000' } });
  });

  it('retries without limit when maximumRetryAttempts is -1, until the function recovers', async () => {
    let calls = 0;
    const { batches, sent, context } = harness(() => {
      calls += 1;
      return calls < 6 ? error : ok();
    });

    await engine(context, { maximumRetryAttempts: -1 }).process('shard', under.records(1));

    expect(batches).toHaveLength(6);
    expect(sent).toEqual([]);
  });
});

describe('describeBatch', () => {
  it('formats arrivals with the source\'s own precision', () => {
    const records = changeRecords(2);

    const info = describeBatch(changes.kind, 'arn:stream', 'shard-1', records, changes.formatTime);

    expect(info).toMatchObject({ startSequenceNumber: '1000', endSequenceNumber: '1001', batchSize: 2 });
    expect(info.approximateArrivalOfFirstRecord).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});
