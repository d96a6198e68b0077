import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { ShardEndProbe } from '../../../../../labs/targets/local/runtime/fan-out-shard-end';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
const shard = (n: number, closed: boolean) => ({
  ShardId: `shardId-00000000000${n}`,
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '100', ...(closed ? { EndingSequenceNumber: '200' } : {}) },
});

describe('ShardEndProbe (where AWS ends a SubscribeToShard of a closed shard)', () => {
  const kinesis = mockClient(KinesisClient);
  const client = new KinesisClient({ region: 'us-east-1' });
  const signal = new AbortController().signal;
  afterEach(() => kinesis.reset());
  afterAll(() => kinesis.restore());

  test('a closed shard read past its last record has ended: no records and no next iterator, the children named', async () => {
    // GIVEN shard 0 closed (split into 2 and 3), shard 1 open
    kinesis.on(ListShardsCommand).resolves({ Shards: [shard(0, true), shard(1, false), shard(2, false), shard(3, false)] });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'after-150' });
    kinesis.on(GetRecordsCommand).resolves({ Records: [], ChildShards: [{ ShardId: 'shardId-000000000002', ParentShards: [], HashKeyRange: undefined }, { ShardId: 'shardId-000000000003', ParentShards: [], HashKeyRange: undefined }] });
    const probe = new ShardEndProbe(() => client, STREAM_ARN);
    // WHEN / THEN
    await expect(probe.ended('shardId-000000000000', '150', signal)).resolves.toEqual({ childShardIds: ['shardId-000000000002', 'shardId-000000000003'] });
    expect(kinesis.commandCalls(GetShardIteratorCommand)[0]?.args[0].input).toMatchObject({ ShardId: 'shardId-000000000000', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: '150' });
  });

  test('an open shard has not ended, and is not read', async () => {
    kinesis.on(ListShardsCommand).resolves({ Shards: [shard(0, true), shard(1, false)] });
    const probe = new ShardEndProbe(() => client, STREAM_ARN);
    await expect(probe.ended('shardId-000000000001', '150', signal)).resolves.toBeUndefined();
    expect(kinesis.commandCalls(GetRecordsCommand)).toHaveLength(0);
  });

  test('a closed shard with records left after the continuation has not ended', async () => {
    kinesis.on(ListShardsCommand).resolves({ Shards: [shard(0, true)] });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'after-150' });
    kinesis.on(GetRecordsCommand).resolves({ Records: [{ SequenceNumber: '151', PartitionKey: 'alice', Data: new Uint8Array() }], NextShardIterator: 'after-151' });
    const probe = new ShardEndProbe(() => client, STREAM_ARN);
    await expect(probe.ended('shardId-000000000000', '150', signal)).resolves.toBeUndefined();
  });

  test('lists the shards once per interval, however many readers ask', async () => {
    // GIVEN a clock that stands still, then moves past the interval
    kinesis.on(ListShardsCommand).resolves({ Shards: [shard(0, false), shard(1, false)] });
    let now = 0;
    const probe = new ShardEndProbe(() => client, STREAM_ARN, 1_000, () => now);
    // WHEN
    await Promise.all([probe.ended('shardId-000000000000', '1', signal), probe.ended('shardId-000000000001', '1', signal)]);
    now = 999;
    await probe.ended('shardId-000000000000', '1', signal);
    now = 1_000;
    await probe.ended('shardId-000000000000', '1', signal);
    // THEN
    expect(kinesis.commandCalls(ListShardsCommand)).toHaveLength(2);
  });
});
