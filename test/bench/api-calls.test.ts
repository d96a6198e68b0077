import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { assessCalls, measureApiCalls, minimumCalls, SQS_SEND } from '../../bench/api-calls';
import { countCommands, operationOf } from '../../bench/call-counter';
import { sendMessageBatches } from '../../labs/scenarios/batching';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/q';
const accept = (input: Readonly<Record<string, unknown>>) => ({
  Successful: (input.Entries as { Id: string }[]).map((e) => ({ Id: e.Id, MessageId: e.Id })),
  Failed: [],
});

describe('countCommands', () => {
  test('counts the real commands a producer sends, and answers them with the responder', async () => {
    // GIVEN
    const sqs = new SQSClient({ region: 'us-east-1' });
    const counter = countCommands(sqs, [{ command: SendMessageBatchCommand, respond: accept }]);
    try {
      // WHEN
      const report = await sendMessageBatches(sqs, QUEUE_URL, Array.from({ length: 25 }, (_, i) => `m${i}`));
      // THEN
      expect(report.calls).toBe(3);
      expect(counter.count('SendMessageBatch')).toBe(3);
      expect(counter.sent().map((c) => (c.input.Entries as unknown[]).length)).toEqual([10, 10, 5]);
    } finally {
      counter.restore();
    }
  });

  test('counts commands without a responder too, and answers them with an empty success', async () => {
    const sqs = new SQSClient({ region: 'us-east-1' });
    const counter = countCommands(sqs);
    try {
      const output = await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x' }));
      expect(output.MessageId).toBeUndefined();
      expect(counter.sent()).toEqual([{ operation: 'SendMessage', input: { QueueUrl: QUEUE_URL, MessageBody: 'x' } }]);
    } finally {
      counter.restore();
    }
  });

  test('on a client class, counts the commands of every instance, module-scope ones included', async () => {
    const counter = countCommands(SNSClient);
    try {
      await new SNSClient({ region: 'us-east-1' }).send(new PublishBatchCommand({ TopicArn: 't', PublishBatchRequestEntries: [] }));
      await new SNSClient({ region: 'eu-west-1' }).send(new PublishBatchCommand({ TopicArn: 't', PublishBatchRequestEntries: [] }));
      expect(counter.count('PublishBatch')).toBe(2);
      counter.reset();
      expect(counter.sent()).toEqual([]);
    } finally {
      counter.restore();
    }
  });

  test('operationOf names a command by its class without the Command suffix', () => {
    expect(operationOf(new SendMessageBatchCommand({ QueueUrl: 'q', Entries: [] }))).toBe('SendMessageBatch');
  });
});

describe('minimumCalls', () => {
  test.each([
    [0, 10, 0],
    [1, 10, 1],
    [9, 10, 1],
    [10, 10, 1],
    [11, 10, 2],
    [95, 10, 10],
    [1000, 10, 100],
    [500, 500, 1],
    [501, 500, 2],
  ])('%d small entries, %d per call: %d call(s)', (messages, maxEntries, expected) => {
    expect(minimumCalls(Array<number>(messages).fill(100), maxEntries, 64 * 1024)).toBe(expected);
  });

  test('equal entries too big for a full batch: entries per call are bounded by bytes (3 x 20 KiB in 64 KiB)', () => {
    expect(minimumCalls(Array<number>(95).fill(20 * 1024), 10, 64 * 1024)).toBe(32);
  });

  test('mixed sizes: the larger of the count bound and the bytes bound', () => {
    expect(minimumCalls([60_000, 60_000, 10, 10], 10, 64 * 1024)).toBe(2);
    expect(minimumCalls([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 10, 64 * 1024)).toBe(2);
  });

  test('fails if one entry exceeds the byte limit', () => {
    expect(() => minimumCalls([70_000], 10, 64 * 1024)).toThrow(/70000 bytes exceeds the limit of 65536/);
  });
});

describe('assessCalls', () => {
  const batch = (bodies: string[]) => ({ operation: 'SendMessageBatch', input: { Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) } });

  test('a producer at the minimum meets the target', () => {
    const figure = assessCalls(SQS_SEND, [batch(Array<string>(10).fill('x')), batch(['x'])], Array<number>(11).fill(1), 'test');
    expect(figure).toMatchObject({ messages: 11, calls: 2, minimum: 2, ratio: 1, singleItemCalls: 0, maxBatchBytes: 10, meets: true });
  });

  test('flags a producer that sends one message per call where a batch call exists', async () => {
    // GIVEN a producer that sends each message alone, through a counted client
    const sqs = new SQSClient({ region: 'us-east-1' });
    const counter = countCommands(sqs);
    try {
      const bodies = Array.from({ length: 11 }, (_, i) => `m${i}`);
      for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: body }));
      // WHEN
      const figure = assessCalls(SQS_SEND, counter.sent(), bodies.map((b) => b.length), 'test');
      // THEN
      expect(figure).toMatchObject({ calls: 11, minimum: 2, singleItemCalls: 11, meets: false });
      expect(figure.ratio).toBeCloseTo(5.5);
    } finally {
      counter.restore();
    }
  });

  test('flags a single-item call even when the call count is at the minimum', () => {
    const figure = assessCalls(SQS_SEND, [{ operation: 'SendMessage', input: { MessageBody: 'x' } }], [1], 'test');
    expect(figure).toMatchObject({ calls: 1, minimum: 1, ratio: 1, singleItemCalls: 1, meets: false });
  });

  test('flags calls beyond 5% over the minimum', () => {
    const calls = Array.from({ length: 22 }, () => batch(['x']));
    const figure = assessCalls(SQS_SEND, calls, Array<number>(200).fill(1), 'test');
    expect(figure).toMatchObject({ calls: 22, minimum: 20, meets: false });
  });

  test('flags an SQS batch over 64 KiB', () => {
    const figure = assessCalls(SQS_SEND, [batch(['a'.repeat(40_000), 'b'.repeat(40_000)])], [40_000, 40_000], 'test');
    expect(figure).toMatchObject({ calls: 1, maxBatchBytes: 80_000, meets: false });
  });
});

test('every bulk component of the project sends at the minimum, with no single-item call', async () => {
  const figures = await measureApiCalls([1, 10, 11, 95]);
  expect(new Set(figures.map((f) => f.component)).size).toBeGreaterThanOrEqual(5);
  for (const figure of figures) {
    expect({ ...figure, ratio: figure.ratio <= 1.05 }).toMatchObject({ ratio: true, singleItemCalls: 0, meets: true });
  }
});
