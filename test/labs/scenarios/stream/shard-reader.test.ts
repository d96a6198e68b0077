import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ProvisionedThroughputExceededException, type _Record } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { encodeStreamEvent } from '../../../../lambda/stream/messages';
import { GET_RECORDS_INTERVAL_MS, readShard, type ReaderClock, type ReadShardOptions } from '../../../../labs/scenarios/stream/shard-reader';

const kinesis = mockClient(KinesisClient);

/** Time moves only when the reader sleeps, so every wait is visible and the test takes no time. */
class VirtualClock implements ReaderClock {
  private time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

const record = (n: number, runId = 'run-1'): _Record => ({
  SequenceNumber: String(1000 + n),
  PartitionKey: 'alice',
  Data: encodeStreamEvent({ runId, eventId: n, userId: 'alice', action: 'click', timestamp: '2026-01-01T00:00:00.000Z' }),
});
const empty = { Records: [], NextShardIterator: 'next', MillisBehindLatest: 0 };

let clock: VirtualClock;
let callTimes: number[];
const options = (over: Partial<ReadShardOptions> = {}): ReadShardOptions => ({
  kinesis: new KinesisClient({ region: 'us-east-1' }),
  streamName: 'LabStream-Stream',
  shardId: 'shardId-000000000000',
  start: { type: 'TRIM_HORIZON' },
  runId: 'run-1',
  wanted: 3,
  clock,
  ...over,
});

/** GetRecords answers in turn; the time of each call is kept to check the pacing. */
function answer(...responses: Array<object | Error>): void {
  let call = 0;
  kinesis.on(GetRecordsCommand).callsFake(async () => {
    callTimes.push(clock.now());
    const response = responses[Math.min(call++, responses.length - 1)];
    if (response instanceof Error) throw response;
    return response;
  });
}

beforeEach(() => {
  kinesis.reset();
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'first' });
  clock = new VirtualClock();
  callTimes = [];
});

describe('readShard', () => {
  test('keeps reading past an empty answer at the tip, as records put a moment ago become readable', async () => {
    // GIVEN: on AWS the first GetRecords after PutRecords can be empty with MillisBehindLatest 0
    answer(empty, { Records: [record(0), record(1), record(2)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    // WHEN
    const read = await readShard(options());
    // THEN
    expect(read.records.map((r) => r.event?.eventId)).toEqual([0, 1, 2]);
    expect(read.getRecordsCalls).toBe(2);
  });

  test('stops as soon as the wanted records are in hand', async () => {
    answer({ Records: [record(0), record(1), record(2)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    const read = await readShard(options());
    expect(read.records).toHaveLength(3);
    expect(kinesis).toHaveReceivedCommandTimes(GetRecordsCommand, 1);
    expect(clock.sleeps).toEqual([]);
  });

  test('gives up after the minimum wait when the records never arrive, and says how many it read', async () => {
    // GIVEN: one of three records readable, then only empty answers at the tip
    answer({ Records: [record(0)], NextShardIterator: 'next', MillisBehindLatest: 0 }, empty);
    // WHEN
    const read = await readShard(options({ minWaitMs: 2_000 }));
    // THEN: it asked until 2 s had passed, not longer
    expect(read.records).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
    expect(clock.now()).toBeLessThan(2_000 + GET_RECORDS_INTERVAL_MS);
  });

  test('asks at most 4 times a second, leaving the shard\'s fifth call to the polling mapping', async () => {
    answer(empty);
    await readShard(options({ minWaitMs: 2_000 }));
    const gaps = callTimes.slice(1).map((t, i) => t - (callTimes[i] as number));
    expect(gaps.length).toBeGreaterThan(0);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(GET_RECORDS_INTERVAL_MS);
  });

  test('backs off on throttling and goes on reading', async () => {
    // GIVEN
    const throttled = new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard', $metadata: {} });
    answer(throttled, throttled, { Records: [record(0), record(1), record(2)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    // WHEN
    const read = await readShard(options());
    // THEN: two growing pauses, then the records
    expect(read.records).toHaveLength(3);
    expect(clock.sleeps.slice(0, 2)).toEqual([500, 1_000]);
  });

  test('fails on an error that is not throttling', async () => {
    answer(Object.assign(new Error('Stream LabStream-Stream not found'), { name: 'ResourceNotFoundException' }));
    await expect(readShard(options())).rejects.toThrow(/not found/);
  });

  test('counts only the records of its run, and reads at least once when none is wanted', async () => {
    answer({ Records: [record(0, 'other-run'), record(1)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    expect((await readShard(options({ wanted: 1 }))).records.map((r) => r.event?.eventId)).toEqual([1]);
    const nothingWanted = await readShard(options({ wanted: 0 }));
    expect(nothingWanted.getRecordsCalls).toBe(1);
  });

  test('ends at the deadline while the shard keeps answering empty behind the tip', async () => {
    answer({ Records: [], NextShardIterator: 'next', MillisBehindLatest: 5_000 });
    const read = await readShard(options({ timeoutMs: 10_000 }));
    expect(read.records).toEqual([]);
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(clock.now()).toBeLessThan(10_000 + GET_RECORDS_INTERVAL_MS);
  });

  test('starts at the sequence number it was given', async () => {
    answer({ Records: [record(5)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    await readShard(options({ start: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '1005' }, runId: undefined, wanted: 1 }));
    expect(kinesis).toHaveReceivedCommandWith(GetShardIteratorCommand, { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '1005' });
  });

  test('starts at the point in time it was given', async () => {
    answer({ Records: [record(5)], NextShardIterator: 'next', MillisBehindLatest: 0 });
    const timestamp = new Date('2026-01-01T00:00:00Z');
    await readShard(options({ start: { type: 'AT_TIMESTAMP', timestamp }, runId: undefined, wanted: 1 }));
    expect(kinesis).toHaveReceivedCommandWith(GetShardIteratorCommand, { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: timestamp });
  });
});
