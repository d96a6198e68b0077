import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { streamEventBody } from '../../../../lambda/stream/messages';
import { renderVsQueue } from '../../../../labs/report/stream-lessons';
import { PLAIN } from '../../../../labs/report/style';
import { receiveRunFromQueue } from '../../../../labs/scenarios/stream/log-and-queue';
import { expectedCounts, READ_STEPS, vsQueueVerdict, type StepCount } from '../../../../labs/scenarios/stream/vs-queue';
import type { TargetSession } from '../../../../labs/targets/target';
import type { StreamOutput } from '../../../../lib/stacks/stream-stack';

const steps = (queue: number[], stream = [30, 30, 30, 30, 30]): StepCount[] => READ_STEPS.map((step, i) => ({ step, stream: stream[i] as number, queue: queue[i] as number }));

describe('vsQueueVerdict', () => {
  test('the log gives everything every time; the queue once, again when not acknowledged, never after', () => {
    expect(Object.values(expectedCounts(30))).toEqual([
      { stream: 30, queue: 30 },
      { stream: 30, queue: 0 },
      { stream: 30, queue: 0 },
      { stream: 30, queue: 30 },
      { stream: 30, queue: 0 },
    ]);
    expect(vsQueueVerdict({ messages: 30, steps: steps([30, 0, 0, 30, 0]) })).toEqual({ ok: true, failures: [] });
  });

  test('fails if the queue handed a hidden message to a second reader', () => {
    expect(vsQueueVerdict({ messages: 30, steps: steps([30, 0, 4, 30, 0]) }).failures).toEqual([
      'B reads: the queue handed out 4 messages, expected 0 (a received message is hidden, an acknowledged one deleted)',
    ]);
  });

  test('fails if the stream lost a record for a second reader, or an unacknowledged message never came back', () => {
    expect(vsQueueVerdict({ messages: 30, steps: steps([30, 0, 0, 0, 0], [30, 30, 29, 30, 30]) }).failures).toEqual([
      'B reads: the stream gave 29 of 30 records, expected 30 (a log gives every reader everything, every time)',
      'B reads once the hiding ends: the queue handed out 0 messages, expected 30 (a message not acknowledged comes back)',
    ]);
  });

  test('the report puts the two side by side', () => {
    const text = renderVsQueue({ runId: 'r', streamName: 'S', queueUrl: 'Q', messages: 30, hideSeconds: 10, steps: steps([30, 0, 0, 30, 0]) }, PLAIN);
    expect(text).toMatch(/│ A reads again +│ 30\/30 +│ 0\/30 +│ ✓ │/);
  });
});

describe('receiveRunFromQueue', () => {
  const sqs = mockClient(SQSClient);
  const session = { clients: { sqs: new SQSClient({ region: 'us-east-1' }) } } as unknown as TargetSession<StreamOutput>;
  const message = (id: number, runId = 'run-1') => ({
    MessageId: `m${id}`,
    ReceiptHandle: `h${id}`,
    Body: streamEventBody({ runId, eventId: id, userId: 'alice', action: 'click', timestamp: '2026-01-01T00:00:00.000Z' }),
  });
  beforeEach(() => sqs.reset());

  test('keeps this run\'s messages hidden, releases another run\'s at once, and counts a message handed out twice once', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(1), message(2, 'other')] }).resolvesOnce({ Messages: [message(1), message(3)] }).resolves({});
    const read = await receiveRunFromQueue(session, 'Q', 'run-1', 3, 10);
    expect(read.events.map((e) => e.eventId)).toEqual([1, 3]);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: 'Q', VisibilityTimeout: 10, WaitTimeSeconds: 1 });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, { Entries: [{ Id: '0', ReceiptHandle: 'h2', VisibilityTimeout: 0 }] });
    // Two empty long polls in a row end the read short of the 3 wanted.
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 4);
  });

  test('stops as soon as it holds what it wants', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(1), message(2)] });
    const read = await receiveRunFromQueue(session, 'Q', 'run-1', 2, 10);
    expect(read.messages).toHaveLength(2);
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 1);
  });
});
