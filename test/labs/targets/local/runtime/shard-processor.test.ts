import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import { ShardProcessor } from '../../../../../labs/targets/local/runtime/shard-processor';
import { StreamBatchEngine } from '../../../../../labs/targets/local/runtime/stream-batch-engine';
import { changeFeed, changeRecords, type LambdaChange } from './change-feed';
import { fakeRuntimeContext } from './fake-runtime-context';
import { fixtureFunction } from './function-specs';

const SETTINGS = {
  logicalId: 'Mapping',
  functionName: 'Projector',
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: 0,
  maximumRecordAgeSeconds: -1,
  reportBatchItemFailures: false,
};

describe('ShardProcessor', () => {
  it('spreads a shard over parallel lanes by the record kind\'s lane key, keeping each key in order', async () => {
    // GIVEN a function that records each batch, and four items changed five times each
    const batches: LambdaChange[][] = [];
    const { context, faults } = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Projector' }), (event) => {
      batches.push((event as { Records: LambdaChange[] }).Records);
      return { ok: true, requestId: 'req', payload: null } satisfies InvocationOutcome;
    });
    const engine = new StreamBatchEngine(context, SETTINGS, changeFeed('arn:stream'), 0);
    const processor = new ShardProcessor(context, engine, 'shard-1', { ...SETTINGS, batchSize: 3, maximumBatchingWindowSeconds: 0, parallelizationFactor: 4 });

    // WHEN
    processor.push(changeRecords(20, 0, 1000, 4));
    await processor.drain();

    // THEN every change arrives once, no batch is larger than batchSize, and one item's changes keep their order
    const delivered = batches.flat();
    expect(faults).toEqual([]);
    expect(delivered.map((record) => record.change.SequenceNumber).sort()).toEqual(changeRecords(20).map((record) => record.dynamodb.SequenceNumber));
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(3);
    for (const pk of ['pk-0', 'pk-1', 'pk-2', 'pk-3']) {
      const sequence = delivered.filter((record) => record.change.Keys.pk === pk).map((record) => Number(record.change.SequenceNumber));
      expect(sequence).toHaveLength(5);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    }
    expect(processor.backlog).toBe(0);
  });
});
