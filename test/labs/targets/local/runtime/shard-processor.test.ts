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

  it('reports its position: the last record read, the checkpoint after each batch, and the iterator age', async () => {
    // GIVEN a clock that stands still, and five changes made 60 s before it
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_500);
    try {
      const { context } = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Projector' }), () => ({ ok: true, requestId: 'req', payload: null }) satisfies InvocationOutcome);
      const engine = new StreamBatchEngine(context, SETTINGS, changeFeed('arn:stream'), 0);
      const processor = new ShardProcessor(context, engine, 'shard-1', { ...SETTINGS, batchSize: 2, maximumBatchingWindowSeconds: 0, parallelizationFactor: 1 });
      expect(processor.progress()).toEqual({ shardId: 'shard-1', backlog: 0, iteratorAgeMs: 0 });

      // WHEN they are read and processed
      processor.push(changeRecords(5, 60));
      expect(processor.progress()).toEqual({ shardId: 'shard-1', readSequenceNumber: '1004', backlog: 5, iteratorAgeMs: 0 });
      await processor.drain();

      // THEN the checkpoint is the last record, and its age when handed over is Lambda's IteratorAge
      expect(processor.progress()).toEqual({ shardId: 'shard-1', readSequenceNumber: '1004', processedSequenceNumber: '1004', backlog: 0, iteratorAgeMs: 60_500 });
    } finally {
      now.mockRestore();
    }
  });
});
