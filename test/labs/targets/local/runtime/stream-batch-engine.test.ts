import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { KinesisEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/context';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import type { FunctionPool } from '../../../../../labs/targets/local/runtime/function-pool';
import { StreamBatchEngine } from '../../../../../labs/targets/local/runtime/stream-batch-engine';
import { fixtureFunction } from './function-specs';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const DESTINATION = 'arn:aws:sqs:us-east-1:000000000000:failures';

function spec(overrides: Partial<KinesisEventSourceSpec> = {}): KinesisEventSourceSpec {
  return {
    kind: 'kinesis',
    logicalId: 'Mapping',
    functionName: 'Consumer',
    streamName: 'orders',
    streamArn: STREAM_ARN,
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 2,
    maximumRecordAgeSeconds: -1,
    onFailureDestinationArn: DESTINATION,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

function records(count: number, ageSeconds = 0): KinesisRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    SequenceNumber: String(1000 + index),
    PartitionKey: `key-${index}`,
    Data: Buffer.from(JSON.stringify({ id: index + 1 })),
    ApproximateArrivalTimestamp: new Date(Date.now() - ageSeconds * 1000),
  }));
}

/** A runtime context whose function answers with `respond(ids)` and whose destination is recorded. */
function harness(respond: (sequenceNumbers: string[]) => InvocationOutcome) {
  const batches: string[][] = [];
  const sent: Array<{ arn: string; body: Record<string, unknown> }> = [];
  const faults: unknown[] = [];
  const pool = {
    spec: fixtureFunction('recorder', { functionName: 'Consumer' }),
    async invoke(event: KinesisStreamEvent): Promise<InvocationOutcome> {
      const sequenceNumbers = event.Records.map((record) => record.kinesis.sequenceNumber);
      batches.push(sequenceNumbers);
      return respond(sequenceNumbers);
    },
  } as unknown as FunctionPool;
  const context = {
    deployment: { stackName: 'LabTest', outputs: {}, functions: [], eventSources: [], queueUrlsByArn: {} },
    region: 'us-east-1',
    signal: new AbortController().signal,
    pool: () => pool,
    report: (_source: string, error: unknown) => faults.push(error),
    async sendToDestination(arn: string, body: string) {
      sent.push({ arn, body: JSON.parse(body) as Record<string, unknown> });
    },
  } as unknown as RuntimeContext;
  return { batches, sent, faults, context };
}

const ok = (payload: unknown = null): InvocationOutcome => ({ ok: true, requestId: 'req', payload });
const error: InvocationOutcome = { ok: false, requestId: 'req', error: { errorType: 'Error', errorMessage: 'boom', trace: [] } };

describe('StreamBatchEngine', () => {
  it('invokes a healthy batch once and sends nothing anywhere', async () => {
    const { batches, sent, context } = harness(() => ok());

    await new StreamBatchEngine(context, spec(), 0).process('shardId-000000000000', records(3));

    expect(batches).toEqual([['1000', '1001', '1002']]);
    expect(sent).toEqual([]);
  });

  it('retries a failing batch maximumRetryAttempts times, then sends Lambda\'s on-failure record', async () => {
    const { batches, sent, context } = harness(() => error);
    const input = records(2);

    await new StreamBatchEngine(context, spec({ maximumRetryAttempts: 2 }), 0).process('shardId-000000000001', input);

    expect(batches).toHaveLength(3);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.arn).toBe(DESTINATION);
    expect(sent[0]?.body).toEqual({
      requestContext: { requestId: 'req', functionArn: expect.stringMatching(/:function:Consumer$/), condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: '1000',
        endSequenceNumber: '1001',
        approximateArrivalOfFirstRecord: input[0]?.ApproximateArrivalTimestamp?.toISOString(),
        approximateArrivalOfLastRecord: input[1]?.ApproximateArrivalTimestamp?.toISOString(),
        batchSize: 2,
        streamArn: STREAM_ARN,
      },
    });
  });

  it('bisects without spending retries until the poison record is alone', async () => {
    const { batches, sent, context } = harness((sequenceNumbers) => (sequenceNumbers.includes('1002') ? error : ok()));

    await new StreamBatchEngine(context, spec({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }), 0).process('shard', records(4));

    expect(batches).toEqual([['1000', '1001', '1002', '1003'], ['1000', '1001'], ['1002', '1003'], ['1002'], ['1003']]);
    expect(sent.map((message) => (message.body.KinesisBatchInfo as { startSequenceNumber: string }).startSequenceNumber)).toEqual(['1002']);
  });

  it('retries from the lowest failed record of a partial batch response', async () => {
    let calls = 0;
    const { batches, sent, context } = harness(() => {
      calls += 1;
      return calls === 1 ? ok({ batchItemFailures: [{ itemIdentifier: '1003' }, { itemIdentifier: '1001' }] }) : ok({ batchItemFailures: [] });
    });

    await new StreamBatchEngine(context, spec({ reportBatchItemFailures: true }), 0).process('shard', records(4));

    expect(batches).toEqual([['1000', '1001', '1002', '1003'], ['1001', '1002', '1003']]);
    expect(sent).toEqual([]);
  });

  it('treats a partial batch response naming an unknown record as a failure of the whole batch', async () => {
    const { batches, context } = harness(() => ok({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }));

    await new StreamBatchEngine(context, spec({ reportBatchItemFailures: true, maximumRetryAttempts: 1 }), 0).process('shard', records(2));

    expect(batches).toEqual([['1000', '1001'], ['1000', '1001']]);
  });

  it('ignores batchItemFailures when the mapping does not report them', async () => {
    const { batches, context } = harness(() => ok({ batchItemFailures: [{ itemIdentifier: '1000' }] }));

    await new StreamBatchEngine(context, spec({ reportBatchItemFailures: false }), 0).process('shard', records(2));

    expect(batches).toHaveLength(1);
  });

  it('discards records older than maximumRecordAgeSeconds and reports them to the destination', async () => {
    const { batches, sent, context } = harness(() => ok());
    const input = [...records(2, 120), ...records(1, 0).map((record) => ({ ...record, SequenceNumber: '2000' }))];

    await new StreamBatchEngine(context, spec({ maximumRecordAgeSeconds: 60 }), 0).process('shard', input);

    expect(batches).toEqual([['2000']]);
    expect(sent[0]?.body).toMatchObject({ requestContext: { condition: 'RecordAgeExceeded' }, KinesisBatchInfo: { batchSize: 2, startSequenceNumber: '1000' } });
  });

  it('retries without limit when maximumRetryAttempts is -1, until the function recovers', async () => {
    let calls = 0;
    const { batches, sent, context } = harness(() => {
      calls += 1;
      return calls < 6 ? error : ok();
    });

    await new StreamBatchEngine(context, spec({ maximumRetryAttempts: -1 }), 0).process('shard', records(1));

    expect(batches).toHaveLength(6);
    expect(sent).toEqual([]);
  });
});
