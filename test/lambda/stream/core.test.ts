import { comparableSequenceNumber } from '../../../lambda/shared/codecs';
import {
  processShardBatch,
  processStreamBatch,
  shardIdOfEventId,
  type AppendResult,
  type CheckpointKey,
  type CheckpointPort,
  type CheckpointRun,
  type Clock,
  type ShardRecord,
} from '../../../lambda/stream/core';

const KEY: CheckpointKey = { consumer: 'analytics', shardId: 'shardId-000000000001', partitionKey: 'alice' };
/** Time stands still unless a record asks for work: every run is processed at 1,000 ms. */
const AT = { firstProcessedAt: 1000, lastProcessedAt: 1000 };

/** A clock that moves only when a record's work sleeps, recording each sleep. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function data(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

function event(eventId: number, userId = 'alice'): Record<string, unknown> {
  return { runId: 'run-1', eventId, userId, action: 'click', timestamp: '2026-01-01T00:00:00.000Z' };
}

/** A record of the shard with sequence number `seq` (small numbers stand for Kinesis' long ones). */
function rec(seq: number, payload: unknown = event(seq), partitionKey = 'alice'): ShardRecord {
  return { sequenceNumber: String(seq), partitionKey, data: data(payload) };
}

function badRecord(seq: number, base64Data: string): ShardRecord {
  return { sequenceNumber: String(seq), partitionKey: 'alice', data: base64Data };
}

interface StoredCheckpoint {
  records: number;
  lastSequenceNumber?: string;
  orderViolations: number;
}

/** The checkpoint table's semantics in memory: the same condition the DynamoDB adapter writes. */
class FakeCheckpoints implements CheckpointPort {
  public readonly stored: StoredCheckpoint = { records: 0, orderViolations: 0 };
  public readonly runs: Array<Omit<CheckpointRun, 'firstProcessedAt' | 'lastProcessedAt'>> = [];
  public readonly violationAdds: number[] = [];
  public failAppendOnCall?: number;
  public failViolations = false;

  constructor(lastSequenceNumber?: number) {
    if (lastSequenceNumber !== undefined) this.stored.lastSequenceNumber = comparableSequenceNumber(String(lastSequenceNumber));
  }

  async appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult> {
    expect(key).toEqual(KEY);
    expect(run).toEqual(expect.objectContaining(AT));
    const { firstProcessedAt: _first, lastProcessedAt: _last, ...counted } = run;
    this.runs.push(counted);
    if (this.failAppendOnCall === this.runs.length) throw new Error('ProvisionedThroughputExceededException');
    const last = this.stored.lastSequenceNumber;
    if (last !== undefined && !(last < run.firstSequenceNumber)) return { applied: false, lastSequenceNumber: last };
    this.stored.records += run.records;
    this.stored.orderViolations += run.orderViolations;
    this.stored.lastSequenceNumber = run.lastSequenceNumber;
    return { applied: true };
  }

  async addOrderViolations(key: CheckpointKey, count: number): Promise<void> {
    expect(key).toEqual(KEY);
    if (this.failViolations) throw new Error('network down');
    this.violationAdds.push(count);
    this.stored.orderViolations += count;
  }
}

const pad = (seq: number): string => comparableSequenceNumber(String(seq));

describe('processShardBatch', () => {
  test.each([
    {
      name: 'in order, first batch of the shard: all recorded in one conditional write',
      stored: undefined,
      records: [rec(1), rec(2), rec(3)],
      statuses: ['recorded', 'recorded', 'recorded'],
      runs: [{ firstSequenceNumber: pad(1), lastSequenceNumber: pad(3), records: 3, orderViolations: 0 }],
      after: { records: 3, lastSequenceNumber: pad(3), orderViolations: 0 },
    },
    {
      name: 'in order after an earlier batch: appended past the checkpoint',
      stored: 3,
      records: [rec(7), rec(9)],
      statuses: ['recorded', 'recorded'],
      runs: [{ firstSequenceNumber: pad(7), lastSequenceNumber: pad(9), records: 2, orderViolations: 0 }],
      after: { records: 2, lastSequenceNumber: pad(9), orderViolations: 0 },
    },
    {
      name: 'redelivery of the last recorded record: not counted again',
      stored: 3,
      records: [rec(3)],
      statuses: ['redelivered'],
      runs: [{ firstSequenceNumber: pad(3), lastSequenceNumber: pad(3), records: 1, orderViolations: 0 }],
      after: { records: 0, lastSequenceNumber: pad(3), orderViolations: 0 },
    },
    {
      name: 'redelivery followed by new records: only the new ones counted, in a shorter run',
      stored: 3,
      records: [rec(3), rec(4), rec(5)],
      statuses: ['redelivered', 'recorded', 'recorded'],
      runs: [
        { firstSequenceNumber: pad(3), lastSequenceNumber: pad(5), records: 3, orderViolations: 0 },
        { firstSequenceNumber: pad(4), lastSequenceNumber: pad(5), records: 2, orderViolations: 0 },
      ],
      after: { records: 2, lastSequenceNumber: pad(5), orderViolations: 0 },
    },
    {
      name: 'a record below the checkpoint: an order violation, carried by the next run',
      stored: 5,
      records: [rec(2), rec(6)],
      statuses: ['outOfOrder', 'recorded'],
      runs: [
        { firstSequenceNumber: pad(2), lastSequenceNumber: pad(6), records: 2, orderViolations: 0 },
        { firstSequenceNumber: pad(6), lastSequenceNumber: pad(6), records: 1, orderViolations: 1 },
      ],
      after: { records: 1, lastSequenceNumber: pad(6), orderViolations: 1 },
    },
    {
      name: 'a record out of order within the batch: its own run, refused, counted as a violation',
      stored: undefined,
      records: [rec(1), rec(3), rec(2)],
      statuses: ['recorded', 'recorded', 'outOfOrder'],
      runs: [
        { firstSequenceNumber: pad(1), lastSequenceNumber: pad(3), records: 2, orderViolations: 0 },
        { firstSequenceNumber: pad(2), lastSequenceNumber: pad(2), records: 1, orderViolations: 0 },
      ],
      after: { records: 2, lastSequenceNumber: pad(3), orderViolations: 1 },
    },
  ])('$name', async ({ stored, records, statuses, runs, after }) => {
    // GIVEN
    const checkpoints = new FakeCheckpoints(stored);
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(statuses);
    expect(checkpoints.runs).toEqual(runs);
    expect(checkpoints.stored).toEqual(after);
  });

  test('violations no later run carries are added on their own', async () => {
    // GIVEN
    const checkpoints = new FakeCheckpoints(5);
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [rec(2), rec(4)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['outOfOrder', 'outOfOrder']);
    expect(checkpoints.violationAdds).toEqual([2]);
    expect(checkpoints.stored).toEqual({ records: 0, lastSequenceNumber: pad(5), orderViolations: 2 });
  });

  test('a whole batch delivered again (after a timeout) is redelivery, not violations: it holds the checkpoint record', async () => {
    // GIVEN: the batch 3..5 was recorded, then its invocation timed out
    const checkpoints = new FakeCheckpoints(5);
    // WHEN Lambda delivers the same batch again
    const outcomes = await processShardBatch({ ...KEY, records: [rec(3), rec(4), rec(5), rec(6)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['redelivered', 'redelivered', 'redelivered', 'recorded']);
    expect(checkpoints.violationAdds).toEqual([]);
    expect(checkpoints.stored).toEqual({ records: 1, lastSequenceNumber: pad(6), orderViolations: 0 });
  });

  test('does each record\'s work in batch order before writing, and stamps the run with the processing times', async () => {
    // GIVEN
    const clock = fakeClock();
    const written: CheckpointRun[] = [];
    const port: CheckpointPort = {
      appendRun: async (_key, run) => (written.push(run), { applied: true }),
      addOrderViolations: async () => undefined,
    };
    // WHEN
    await processShardBatch({ ...KEY, records: [rec(1, { ...event(1), workMs: 20 }), rec(2, { ...event(2), workMs: 30 }), rec(3)] }, port, clock);
    // THEN
    expect(clock.slept).toEqual([20, 30]);
    expect(written).toEqual([{ firstSequenceNumber: pad(1), lastSequenceNumber: pad(3), records: 3, orderViolations: 0, firstProcessedAt: 1020, lastProcessedAt: 1050 }]);
  });

  test('recorded outcomes carry the validated event', async () => {
    const [outcome] = await processShardBatch({ ...KEY, records: [rec(1)] }, new FakeCheckpoints(), fakeClock());
    expect(outcome).toEqual({ status: 'recorded', event: event(1) });
  });

  test.each([
    { name: 'undecodable data', bad: badRecord(2, '!!!not base64 json!!!'), reason: /^data: not JSON/ },
    { name: 'a missing field', bad: rec(2, { ...event(2), userId: undefined }), reason: /^data\.userId: .*expected string/ },
    { name: 'a field of the wrong type', bad: rec(2, { ...event(2), eventId: 'two' }), reason: /^data\.eventId: .*expected number/ },
    { name: 'a malformed sequence number', bad: { sequenceNumber: 'abc', partitionKey: 'alice', data: data(event(2)) }, reason: /not a Kinesis sequence number: 'abc'/ },
  ])('stops at the first failure ($name): the records after it fail without being processed', async ({ bad, reason }) => {
    // GIVEN
    const checkpoints = new FakeCheckpoints();
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [rec(1), bad, rec(3), rec(4)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes[0]).toEqual({ status: 'recorded', event: event(1) });
    expect(outcomes[1]).toEqual({ status: 'failed', reason: expect.stringMatching(reason) });
    expect(outcomes.slice(2)).toEqual([
      { status: 'failed', reason: `skipped: record ${bad.sequenceNumber} before it in this batch failed` },
      { status: 'failed', reason: `skipped: record ${bad.sequenceNumber} before it in this batch failed` },
    ]);
    expect(checkpoints.runs).toEqual([{ firstSequenceNumber: pad(1), lastSequenceNumber: pad(1), records: 1, orderViolations: 0 }]);
    expect(checkpoints.stored.records).toBe(1);
  });

  test('a failing first record fails the whole batch and writes nothing', async () => {
    const checkpoints = new FakeCheckpoints();
    const outcomes = await processShardBatch({ ...KEY, records: [badRecord(1, data({ nope: true })), rec(2)] }, checkpoints, fakeClock());
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(checkpoints.runs).toEqual([]);
  });

  test('a failed checkpoint write fails every record it would have recorded', async () => {
    // GIVEN
    const checkpoints = new FakeCheckpoints();
    checkpoints.failAppendOnCall = 1;
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [rec(1), rec(2)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes).toEqual([
      { status: 'failed', reason: 'checkpoint write failed: ProvisionedThroughputExceededException' },
      { status: 'failed', reason: 'skipped: record 1 before it in this batch failed' },
    ]);
  });

  test('a failed write also fails the violation it was carrying, so the violation is counted on retry', async () => {
    // GIVEN: record 2 is classified as a violation by the first (refused) write; the second write fails
    const checkpoints = new FakeCheckpoints(5);
    checkpoints.failAppendOnCall = 2;
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [rec(2), rec(6)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(checkpoints.stored).toEqual({ records: 0, lastSequenceNumber: pad(5), orderViolations: 0 });
  });

  test('records before an unstored violation stay recorded when adding the violation fails', async () => {
    // GIVEN
    const checkpoints = new FakeCheckpoints();
    checkpoints.failViolations = true;
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [rec(4), rec(2)] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'failed']);
    expect(outcomes[1]).toEqual({ status: 'failed', reason: 'checkpoint write failed: network down' });
  });
});

describe('processStreamBatch', () => {
  const OTHER = 'shardId-000000000002';
  const inShard = (shardId: string, seq: number, payload: unknown = event(seq)) => ({ shardId, ...rec(seq, payload) });

  /** Applies every run, remembering which shard it was for. */
  class ShardCheckpoints implements CheckpointPort {
    public readonly runs: Array<{ shardId: string; run: Omit<CheckpointRun, 'firstProcessedAt' | 'lastProcessedAt'> }> = [];
    async appendRun(key: CheckpointKey, { firstProcessedAt: _first, lastProcessedAt: _last, ...run }: CheckpointRun): Promise<AppendResult> {
      expect(key.consumer).toBe(KEY.consumer);
      this.runs.push({ shardId: key.shardId, run });
      return { applied: true };
    }
    async addOrderViolations(): Promise<void> {
      throw new Error('no violations expected');
    }
  }

  test('processes each shard as its own batch and answers in the invocation order', async () => {
    // GIVEN: two shards interleaved, the second shard's second record invalid
    const checkpoints = new ShardCheckpoints();
    const records = [inShard(KEY.shardId, 1), inShard(OTHER, 1), inShard(KEY.shardId, 2), inShard(OTHER, 2, { nope: true }), inShard(KEY.shardId, 3)];
    // WHEN
    const result = await processStreamBatch(KEY.consumer, records, checkpoints, fakeClock());
    // THEN: the failure in one shard leaves the other shard's records recorded
    expect(result.outcomes.map((o) => o.status)).toEqual(['recorded', 'recorded', 'recorded', 'failed', 'recorded']);
    expect(result.shards).toEqual([
      { shardId: KEY.shardId, counts: { recorded: 3, redelivered: 0, outOfOrder: 0, failed: 0 } },
      { shardId: OTHER, counts: { recorded: 1, redelivered: 0, outOfOrder: 0, failed: 1 } },
    ]);
    expect(checkpoints.runs).toEqual([
      { shardId: KEY.shardId, run: { firstSequenceNumber: pad(1), lastSequenceNumber: pad(3), records: 3, orderViolations: 0 } },
      { shardId: OTHER, run: { firstSequenceNumber: pad(1), lastSequenceNumber: pad(1), records: 1, orderViolations: 0 } },
    ]);
  });

  test('an empty invocation writes nothing', async () => {
    const checkpoints = new ShardCheckpoints();
    expect(await processStreamBatch(KEY.consumer, [], checkpoints, fakeClock())).toEqual({ outcomes: [], shards: [] });
    expect(checkpoints.runs).toEqual([]);
  });
});

describe('order per partition key', () => {
  /** The checkpoint table in memory, one checkpoint per (consumer, shard, key), the DynamoDB condition. */
  class KeyCheckpoints implements CheckpointPort {
    public readonly stored = new Map<string, { records: number; last: string; orderViolations: number }>();
    async appendRun(key: CheckpointKey, run: CheckpointRun): Promise<AppendResult> {
      const id = `${key.shardId}#${key.partitionKey}`;
      const was = this.stored.get(id);
      if (was && !(was.last < run.firstSequenceNumber)) return { applied: false, lastSequenceNumber: was.last };
      this.stored.set(id, { records: (was?.records ?? 0) + run.records, last: run.lastSequenceNumber, orderViolations: (was?.orderViolations ?? 0) + run.orderViolations });
      return { applied: true };
    }
    async addOrderViolations(key: CheckpointKey, count: number): Promise<void> {
      const id = `${key.shardId}#${key.partitionKey}`;
      const was = this.stored.get(id) as { records: number; last: string; orderViolations: number };
      this.stored.set(id, { ...was, orderViolations: was.orderViolations + count });
    }
  }
  const keyed = (seq: number, userId: string): ShardRecord => rec(seq, event(seq, userId), userId);

  test('concurrent batches of one shard (parallelization factor > 1) finish out of shard order with no violation', async () => {
    // GIVEN two lanes of one shard: alice's batch (1, 5) is processed before bob's (2, 3)
    const checkpoints = new KeyCheckpoints();
    // WHEN
    const first = await processShardBatch({ ...KEY, records: [keyed(1, 'alice'), keyed(5, 'alice')] }, checkpoints, fakeClock());
    const second = await processShardBatch({ ...KEY, records: [keyed(2, 'bob'), keyed(3, 'bob')] }, checkpoints, fakeClock());
    // THEN each key kept its order: every record counted, none a violation
    expect([...first, ...second].map((o) => o.status)).toEqual(['recorded', 'recorded', 'recorded', 'recorded']);
    expect(Object.fromEntries(checkpoints.stored)).toEqual({
      [`${KEY.shardId}#alice`]: { records: 2, last: pad(5), orderViolations: 0 },
      [`${KEY.shardId}#bob`]: { records: 2, last: pad(3), orderViolations: 0 },
    });
  });

  test('one batch of several keys writes one run per key, and a key that goes backwards is a violation', async () => {
    // GIVEN bob already processed up to 7
    const checkpoints = new KeyCheckpoints();
    await processShardBatch({ ...KEY, records: [keyed(7, 'bob')] }, checkpoints, fakeClock());
    // WHEN a batch carries alice (new) and bob's record 4, which was never processed
    const outcomes = await processShardBatch({ ...KEY, records: [keyed(3, 'alice'), keyed(4, 'bob'), keyed(8, 'alice')] }, checkpoints, fakeClock());
    // THEN
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'outOfOrder', 'recorded']);
    expect(checkpoints.stored.get(`${KEY.shardId}#alice`)).toEqual({ records: 2, last: pad(8), orderViolations: 0 });
    expect(checkpoints.stored.get(`${KEY.shardId}#bob`)).toEqual({ records: 1, last: pad(7), orderViolations: 1 });
  });

  test('a failed write of a later key fails from the lowest record not yet stored', async () => {
    // GIVEN bob's write fails
    const checkpoints = new KeyCheckpoints();
    const failing: CheckpointPort = {
      appendRun: (key, run) => (key.partitionKey === 'bob' ? Promise.reject(new Error('throttled')) : checkpoints.appendRun(key, run)),
      addOrderViolations: (key, count) => checkpoints.addOrderViolations(key, count),
    };
    // WHEN
    const outcomes = await processShardBatch({ ...KEY, records: [keyed(1, 'alice'), keyed(2, 'bob'), keyed(3, 'alice')] }, failing, fakeClock());
    // THEN alice's records are stored, but Lambda retries from bob's record, and alice's 3 comes back as a redelivery
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'failed', 'failed']);
    const retry = await processShardBatch({ ...KEY, records: [keyed(2, 'bob'), keyed(3, 'alice')] }, checkpoints, fakeClock());
    expect(retry.map((o) => o.status)).toEqual(['recorded', 'redelivered']);
  });
});

describe('shardIdOfEventId', () => {
  test('is the part of the event id before the sequence number', () => {
    expect(shardIdOfEventId('shardId-000000000001:49590338271490256608559692538361571095921575989136588898')).toBe('shardId-000000000001');
  });
});
