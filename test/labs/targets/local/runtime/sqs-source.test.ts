import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SqsEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import { failedMessageIds, SqsSource, toSqsRecord } from '../../../../../labs/targets/local/runtime/sqs-source';

const batch: Message[] = [
  { MessageId: 'a', ReceiptHandle: 'ra', Body: '{}' },
  { MessageId: 'b', ReceiptHandle: 'rb', Body: '{}' },
];

describe('failedMessageIds', () => {
  it.each([
    ['null', null],
    ['no batchItemFailures', { ok: true }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as a fully successful batch', (_name, payload) => {
    expect(failedMessageIds(payload, batch)).toEqual(new Set());
  });

  it('returns the reported ids', () => {
    expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: 'b' }] }, batch)).toEqual(new Set(['b']));
  });

  it.each([
    ['an id not in the batch', { batchItemFailures: [{ itemIdentifier: 'z' }] }],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a missing id', { batchItemFailures: [{}] }],
    ['a non-list', { batchItemFailures: 'b' }],
  ])('fails the whole batch for %s', (_name, payload) => {
    expect(failedMessageIds(payload, batch)).toBeUndefined();
  });
});

describe('toSqsRecord', () => {
  it('converts binary attributes to base64 and names the queue', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: 'hello',
        MD5OfBody: '5d41402abc4b2a76b9719d911017c592',
        Attributes: { ApproximateReceiveCount: '2' },
        MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );

    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: 'hello',
      attributes: { ApproximateReceiveCount: '2' },
      messageAttributes: { blob: { binaryValue: 'aGk=', dataType: 'Binary', stringListValues: [], binaryListValues: [] } },
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});

describe('SqsSource deletes', () => {
  const spec: SqsEventSourceSpec = {
    kind: 'sqs',
    logicalId: 'Mapping',
    functionName: 'Consumer',
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    queueUrl: 'http://127.0.0.1/000000000000/q',
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
    maximumConcurrency: 1,
    reportBatchItemFailures: false,
    enabled: true,
  };
  const until = async (condition: () => boolean) => {
    const deadline = Date.now() + 2_000;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  };

  it('receives the next batch while the last one is being deleted, and stops only once every delete landed', async () => {
    // GIVEN a queue of m1, m2, m3 whose first delete is slow to answer
    const abort = new AbortController();
    const queue = ['m1', 'm2', 'm3'];
    const events: string[] = [];
    let releaseFirstDelete: () => void = () => undefined;
    const sqs = {
      async send(command: unknown) {
        if (command instanceof ReceiveMessageCommand) {
          const id = queue.shift();
          if (id === undefined) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { Messages: [] };
          }
          events.push(`receive ${id}`);
          return { Messages: [{ MessageId: id, ReceiptHandle: `r-${id}`, Body: '{}' }] };
        }
        if (command instanceof DeleteMessageBatchCommand) {
          const handle = command.input.Entries?.[0]?.ReceiptHandle ?? '';
          if (handle === 'r-m1') await new Promise<void>((resolve) => (releaseFirstDelete = resolve));
          events.push(`deleted ${handle.slice(2)}`);
          return {};
        }
        return { Attributes: { QueueArn: spec.queueArn } };
      },
    };
    const pool = { invoke: async (event: { Records: { messageId: string }[] }) => (events.push(`invoke ${event.Records[0]?.messageId}`), { ok: true, requestId: 'r', payload: null }) };
    const context = { region: 'us-east-1', signal: abort.signal, sqs: () => sqs, pool: () => pool, report: () => undefined } as unknown as RuntimeContext;
    const source = new SqsSource(context, spec);
    // WHEN
    await source.start();
    await until(() => events.includes('invoke m3'));
    abort.abort();
    let stopped = false;
    const stopping = source.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // THEN m2 and m3 ran before m1's delete answered, and the deletes land in order before stop() ends
    expect(events).toEqual(['receive m1', 'invoke m1', 'receive m2', 'invoke m2', 'receive m3', 'invoke m3']);
    expect(stopped).toBe(false);
    releaseFirstDelete();
    await stopping;
    expect(events.slice(6)).toEqual(['deleted m1', 'deleted m2', 'deleted m3']);
  });
});
