import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import type { ShardProcessor } from '../../../../../labs/targets/local/runtime/shard-processor';
import { StreamSource, type ShardPosition, type ShardReader, type StreamShard } from '../../../../../labs/targets/local/runtime/stream-source';
import { changeFeed, changeRecords, type ChangeRecord, type LambdaChange } from './change-feed';
import { fakeRuntimeContext } from './fake-runtime-context';
import { fixtureFunction } from './function-specs';
import { kinesisSource } from './local-cloud';

/** A stream that is not Kinesis: fixed shards, each holding fixed records, read once to their end. */
class FixedStream extends StreamSource<ChangeRecord, LambdaChange> {
  readonly opened: Array<{ shardId: string; position: ShardPosition }> = [];

  constructor(
    context: RuntimeContext,
    startingPosition: 'TRIM_HORIZON' | 'LATEST',
    private readonly shards: ReadonlyArray<StreamShard & { records: ChangeRecord[] }>,
  ) {
    super(context, kinesisSource({ functionName: 'Projector', streamName: 'orders', streamArn: 'arn:stream', startingPosition }), changeFeed('arn:stream'));
  }

  protected override async listShards(): Promise<readonly StreamShard[]> {
    return this.shards;
  }

  protected override async openShard(shardId: string, position: ShardPosition, processor: ShardProcessor<ChangeRecord>): Promise<ShardReader> {
    this.opened.push({ shardId, position });
    const records = this.shards.find((shard) => shard.shardId === shardId)?.records ?? [];
    return async () => processor.push(records);
  }
}

function harness() {
  const delivered: string[] = [];
  const { context, faults } = fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Projector' }), (event) => {
    delivered.push(...(event as { Records: LambdaChange[] }).Records.map((record) => record.change.SequenceNumber));
    return { ok: true, requestId: 'req', payload: null };
  });
  return { context, faults, delivered };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2_000) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('StreamSource', () => {
  it('reads a child shard from its start only after its parents were read to their end', async () => {
    // GIVEN a closed parent shard split into two children, with records in each
    const { context, faults, delivered } = harness();
    const stream = new FixedStream(context, 'TRIM_HORIZON', [
      { shardId: 'child-1', parentShardIds: ['parent'], closed: false, records: changeRecords(2, 0, 2000) },
      { shardId: 'parent', parentShardIds: [], closed: true, records: changeRecords(3, 0, 1000) },
      { shardId: 'child-2', parentShardIds: ['parent'], closed: false, records: changeRecords(1, 0, 3000) },
    ]);

    // WHEN
    await stream.start();
    await until(() => delivered.length === 6);
    await stream.stop();

    // THEN the parent came first, and each child started at TRIM_HORIZON
    expect(faults).toEqual([]);
    expect(stream.opened).toEqual([
      { shardId: 'parent', position: { type: 'TRIM_HORIZON' } },
      { shardId: 'child-1', position: { type: 'TRIM_HORIZON' } },
      { shardId: 'child-2', position: { type: 'TRIM_HORIZON' } },
    ]);
    expect(delivered.slice(0, 3)).toEqual(['1000', '1001', '1002']);
  });

  it('skips shards closed before a LATEST mapping started, and reads their children from LATEST', async () => {
    const { context, delivered } = harness();
    const stream = new FixedStream(context, 'LATEST', [
      { shardId: 'parent', parentShardIds: [], closed: true, records: changeRecords(3, 0, 1000) },
      { shardId: 'child', parentShardIds: ['parent'], closed: false, records: changeRecords(1, 0, 2000) },
    ]);

    await stream.start();
    await until(() => delivered.length === 1);
    await stream.stop();

    expect(stream.opened).toEqual([{ shardId: 'child', position: { type: 'LATEST' } }]);
    expect(delivered).toEqual(['2000']);
  });

  it('reads a merged child only after both its parents were read to their end', async () => {
    // GIVEN two closed parents merged into one child; the right parent ends later than the left
    const { context, faults, delivered } = harness();
    const stream = new FixedStream(context, 'TRIM_HORIZON', [
      { shardId: 'merged', parentShardIds: ['left', 'right'], closed: false, records: changeRecords(1, 0, 3000) },
      { shardId: 'left', parentShardIds: [], closed: true, records: changeRecords(1, 0, 1000) },
      { shardId: 'right', parentShardIds: [], closed: true, records: changeRecords(4, 0, 2000) },
    ]);

    // WHEN
    await stream.start();
    await until(() => delivered.length === 6);
    await stream.stop();

    // THEN the child came last, from its start
    expect(faults).toEqual([]);
    expect(stream.opened.map((o) => o.shardId)).toEqual(['left', 'right', 'merged']);
    expect(stream.opened[2]?.position).toEqual({ type: 'TRIM_HORIZON' });
    expect(delivered[delivered.length - 1]).toBe('3000');
  });
});
