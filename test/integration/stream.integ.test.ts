import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { isDeepStrictEqual } from 'node:util';
import { handlerLogs, receiveAll, scanAll, useLocalCloud, waitUntil } from './local-cloud';

const cloud = useLocalCloud('stream', { context: { shardCount: 2 } });

/** One (consumer, shard, partition key) checkpoint. */
interface Checkpoint {
  readonly consumer: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly records: number;
  readonly orderViolations?: number;
}

interface PutRecord {
  readonly partitionKey: string;
  readonly data: string;
}

const runId = `integ-${Date.now()}`;
/** Good records put so far, per shard: what every consumer must have counted. */
const expectedPerShard = new Map<string, number>();
let nextEventId = 0;

const event = (userId: string): PutRecord => ({
  partitionKey: userId,
  data: JSON.stringify({ runId, eventId: nextEventId++, userId, action: 'click', timestamp: new Date().toISOString() }),
});

/** Puts the records in one PutRecords call; returns where each landed. */
async function putRecords(records: readonly PutRecord[]): Promise<{ shardId: string; sequenceNumber: string }[]> {
  const { clients, outputs } = cloud();
  const response = await clients.kinesis.send(
    new PutRecordsCommand({
      StreamName: outputs.StreamName,
      Records: records.map((record) => ({ PartitionKey: record.partitionKey, Data: new TextEncoder().encode(record.data) })),
    }),
  );
  expect(response.FailedRecordCount ?? 0).toBe(0);
  return (response.Records ?? []).map((entry) => ({ shardId: entry.ShardId ?? '', sequenceNumber: entry.SequenceNumber ?? '' }));
}

function expectCounted(shardIds: readonly string[]): void {
  for (const shardId of shardIds) expectedPerShard.set(shardId, (expectedPerShard.get(shardId) ?? 0) + 1);
}

/** Per consumer, per shard: records counted; resolves once they equal what was put, or fails at the deadline. */
async function waitForEveryConsumer(): Promise<Checkpoint[]> {
  const session = cloud();
  const consumers = session.outputs.ConsumerNames.split(',');
  const expected = Object.fromEntries(consumers.map((consumer) => [consumer, Object.fromEntries(expectedPerShard)]));
  // A shard's count is the sum over its partition keys' checkpoints.
  const countsOf = (items: readonly Checkpoint[]) =>
    Object.fromEntries(
      consumers.map((consumer) => {
        const perShard: Record<string, number> = {};
        for (const item of items.filter((i) => i.consumer === consumer)) perShard[item.shardId] = (perShard[item.shardId] ?? 0) + item.records;
        return [consumer, perShard];
      }),
    );
  const items = await waitUntil(
    'every consumer to count every record of every shard',
    () => scanAll<Checkpoint>(session.clients.dynamodb, session.outputs.CheckpointTableName),
    (seen) => isDeepStrictEqual(countsOf(seen), expected),
    { timeoutMs: 45_000 },
  ).catch((error: Error) => {
    const logs = session.deployment.functions.map((fn) => handlerLogs(session, fn.functionName)).join('\n');
    throw new Error(`${error.message}\nexpected ${JSON.stringify(expected)}\n${logs.slice(-5000)}`);
  });
  expect(countsOf(items)).toEqual(expected);
  return items;
}

test('every consumer sees every record of every shard, in order', async () => {
  // GIVEN the stack's consumers: one polling, two enhanced fan-out
  expect(cloud().outputs.ConsumerNames.split(',')).toEqual(['processor', 'analytics', 'search']);

  // WHEN 40 events of 8 users are put
  const users = Array.from({ length: 8 }, (_, n) => `user-${n}`);
  const placed = await putRecords(Array.from({ length: 40 }, (_, n) => event(users[n % users.length] as string)));
  expectCounted(placed.map((record) => record.shardId));

  // THEN both shards got records, and each consumer counted, per shard, exactly what was put there, in order
  expect(expectedPerShard.size).toBe(2);
  const checkpoints = await waitForEveryConsumer();
  expect(checkpoints.filter((item) => (item.orderViolations ?? 0) !== 0)).toEqual([]);
});

test('an invalid record is bisected out and sent to the failure queue by each consumer; the records around it are all counted', async () => {
  // GIVEN good records of one user around a record that is not JSON, all in one PutRecords call
  const { clients, outputs, deployment } = cloud();
  const records = [...Array.from({ length: 5 }, () => event('user-bad')), { partitionKey: 'user-bad', data: 'not json' }, ...Array.from({ length: 5 }, () => event('user-bad'))];

  // WHEN they are put
  const placed = await putRecords(records);
  const bad = placed[5] as { shardId: string; sequenceNumber: string };
  expectCounted(placed.filter((_, index) => index !== 5).map((record) => record.shardId));

  // THEN each of the three consumers reports that one record (bisected down to a batch of 1) as exhausted
  const failures = await receiveAll(clients.sqs, outputs.FailureQueueUrl, 3, { timeoutMs: 45_000 });
  const infos = failures.map(
    (message) =>
      JSON.parse(message.Body ?? '{}') as {
        requestContext: { functionArn: string; condition: string; approximateInvokeCount: number };
        KinesisBatchInfo: { shardId: string; startSequenceNumber: string; endSequenceNumber: string; batchSize: number; streamArn: string };
      },
  );
  const consumerArns = deployment.functions.map((fn) => fn.functionArn).sort();
  expect(infos.map((info) => info.requestContext.functionArn).sort()).toEqual(consumerArns);
  for (const info of infos) {
    expect(info.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(info.KinesisBatchInfo).toEqual(
      expect.objectContaining({
        shardId: bad.shardId,
        startSequenceNumber: bad.sequenceNumber,
        endSequenceNumber: bad.sequenceNumber,
        batchSize: 1,
        streamArn: outputs.StreamArn,
      }),
    );
  }

  // AND every good record, before and after the bad one, is counted once by every consumer, in order
  const checkpoints = await waitForEveryConsumer();
  expect(checkpoints.filter((item) => (item.orderViolations ?? 0) !== 0)).toEqual([]);
});
