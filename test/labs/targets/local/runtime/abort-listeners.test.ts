import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import type { KinesisEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import { KinesisPollingSource } from '../../../../../labs/targets/local/runtime/kinesis-sources';
import { ShardProcessor } from '../../../../../labs/targets/local/runtime/shard-processor';
import type { StreamBatchEngine } from '../../../../../labs/targets/local/runtime/stream-batch-engine';

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

function runtimeContext(abort: AbortController, kinesis?: KinesisClient): RuntimeContext {
  return {
    deployment: { stackName: 'LabTest', outputs: {}, functions: [], eventSources: [], queueUrlsByArn: {} },
    region: 'us-east-1',
    signal: abort.signal,
    report: (_source: string, error: unknown) => {
      throw error;
    },
    kinesis: () => kinesis,
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
      kind: { laneKey: (r: KinesisRecord) => r.PartitionKey ?? '' },
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
});
