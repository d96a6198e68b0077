import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { KinesisEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import { KinesisPollingSource } from '../../../../../labs/targets/local/runtime/kinesis-sources';
import { SqsSource } from '../../../../../labs/targets/local/runtime/sqs-source';
import { ShardProcessor } from '../../../../../labs/targets/local/runtime/shard-processor';
import { StreamBatchEngine } from '../../../../../labs/targets/local/runtime/stream-batch-engine';
import { kinesisRecords } from '../../../../../labs/targets/local/runtime/kinesis-records';

/**
 * Every poller of the local runtime waits on the runtime's abort signal, and Node warns of a leak
 * once one signal carries more than 10 abort listeners (`labs stream` printed it). These tests count
 * the listeners while the pollers loop.
 */

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

function spec(overrides: Partial<KinesisEventSourceSpec> = {}): KinesisEventSourceSpec {
  return {
    kind: 'kinesis',
    logicalId: 'Mapping',
    functionName: 'Consumer',
    streamName: 'clicks',
    streamArn: STREAM_ARN,
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 10,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 0,
    maximumRecordAgeSeconds: -1,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

function runtimeContext(abort: AbortController, kinesis?: KinesisClient, sqs?: SQSClient): RuntimeContext {
  return {
    deployment: { stackName: 'LabTest', outputs: {}, functions: [], eventSources: [], queueUrlsByArn: {} },
    region: 'us-east-1',
    signal: abort.signal,
    report: (_source: string, error: unknown) => {
      throw error;
    },
    kinesis: () => kinesis,
    sqs: () => sqs,
    pool: () => ({ invoke: async () => ({ ok: true, payload: null }) }),
  } as unknown as RuntimeContext;
}

const record = (n: number): KinesisRecord => ({ SequenceNumber: String(1000 + n), PartitionKey: `user${n}`, Data: new Uint8Array() });

describe('abort listeners of the local runtime', () => {
  // Aborted after each test, passed or failed, so no poller outlives it.
  let abort: AbortController;
  beforeEach(() => {
    abort = new AbortController();
  });
  afterEach(() => abort.abort());

  test('a shard processor holds one listener, however many lanes wait and however many batches pass', async () => {
    // GIVEN: ten lanes, each batch processed at once
    const engine = {
      kind: { laneKey: (r: KinesisRecord) => r.PartitionKey ?? '', sequenceNumber: (r: KinesisRecord) => r.SequenceNumber ?? '', arrivalMillis: () => Date.now() },
      process: async () => undefined,
    } as unknown as StreamBatchEngine<KinesisRecord, unknown>;
    const processor = new ShardProcessor(runtimeContext(abort), engine, 'shardId-000000000000', spec());
    // WHEN: batch after batch goes through, the lanes waiting in between
    const counts: number[] = [];
    for (let i = 0; i < 30; i++) {
      processor.push([record(i)]);
      await sleep(1);
      counts.push(abortListeners(abort.signal));
    }
    // THEN
    expect(Math.max(...counts)).toBe(1);
  });

  test('a polling mapping adds no listener to the runtime signal per shard or per poll', async () => {
    // GIVEN: four shards that stay empty, so every reader polls and sleeps in turn
    const kinesis = mockClient(KinesisClient);
    kinesis.on(ListShardsCommand).resolves({
      Shards: [0, 1, 2, 3].map((n) => ({
        ShardId: `shardId-00000000000${n}`,
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
        SequenceNumberRange: { StartingSequenceNumber: '1' },
      })),
    });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'iterator' });
    kinesis.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: 'iterator', MillisBehindLatest: 0 });
    const source = new KinesisPollingSource(runtimeContext(abort, new KinesisClient({ region: 'us-east-1' })), spec());
    try {
      // WHEN: the readers poll for a while
      await source.start();
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        await sleep(100);
        counts.push(abortListeners(abort.signal));
      }
      // THEN
      expect(kinesis.commandCalls(GetRecordsCommand).length).toBeGreaterThan(4);
      expect(counts).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      abort.abort();
      await source.stop();
      kinesis.restore();
    }
  });

  test('an SQS mapping of many pollers adds no listener to the runtime signal per poller or per long poll', async () => {
    // GIVEN: twenty pollers (maximum concurrency 20) whose long polls come back empty; like the SDK's
    // HTTP handler, each call listens on the abort signal it is given while it is in flight
    let receives = 0;
    const sqs = {
      send: async (command: object, options?: { abortSignal?: AbortSignal }) => {
        const onAbort = (): void => undefined;
        options?.abortSignal?.addEventListener('abort', onAbort);
        try {
          if (command instanceof GetQueueAttributesCommand) return { Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:work' } };
          receives += 1;
          await sleep(20);
          return { Messages: [] };
        } finally {
          options?.abortSignal?.removeEventListener('abort', onAbort);
        }
      },
    } as unknown as SQSClient;
    const source = new SqsSource(runtimeContext(abort, undefined, sqs), {
      kind: 'sqs',
      logicalId: 'Mapping',
      functionName: 'Worker',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:work',
      queueUrl: 'http://127.0.0.1/000000000000/work',
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      maximumConcurrency: 20,
      reportBatchItemFailures: true,
      enabled: true,
    });
    try {
      // WHEN: the pollers poll for a while
      await source.start();
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        await sleep(50);
        counts.push(abortListeners(abort.signal));
      }
      // THEN
      expect(receives).toBeGreaterThan(20);
      expect(counts).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      abort.abort();
      await source.stop();
    }
  });

  test('shards retrying failed batches at once add no listener to the runtime signal (their pauses wait on their own)', async () => {
    // GIVEN: twelve shards of one mapping whose function fails every batch, each retried after a pause
    const context = { ...runtimeContext(abort), pool: () => ({ invoke: async () => ({ ok: false, requestId: 'r', error: { errorType: 'Sandbox.Timedout', errorMessage: 'timed out', trace: [] } }) }) } as unknown as RuntimeContext;
    const mapping = spec({ parallelizationFactor: 1, maximumRetryAttempts: 3 });
    const engine = new StreamBatchEngine(context, mapping, kinesisRecords(mapping, 'us-east-1'), 60_000);
    const processors = Array.from({ length: 12 }, (_, n) => new ShardProcessor({ ...context, signal: AbortSignal.any([abort.signal]) }, engine, `shardId-${n}`, mapping));
    // WHEN: every shard's batch fails and pauses before its retry
    processors.forEach((processor, n) => processor.push([record(n)]));
    await sleep(50);
    // THEN
    expect(abortListeners(abort.signal)).toBe(0);
  });
});
