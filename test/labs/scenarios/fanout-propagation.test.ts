import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { runFanout, type Order } from '../../../labs/scenarios/fanout';
import { FILTER_PROPAGATION_MS, filterPropagationWindow, type Clock } from '../../../labs/scenarios/filter-propagation';
import { createUi } from '../../../labs/report/ui';
import { outputReader, type LabClients, type TargetSession } from '../../../labs/targets/target';

const QUEUES = ['Analytics', 'Inventory', 'Notification'] as const;
const MIN_AMOUNT = 100;
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

/**
 * SNS -> SQS as on AWS right after a filter policy changed: until `filterApplies` is set, the
 * notification subscription still admits every order.
 */
class FakeTopic {
  filterApplies = false;
  readonly pending = new Map<string, Message[]>(QUEUES.map((q) => [`https://sqs/${q}`, []]));
  published = 0;

  constructor() {
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string; Message: string }[] }) => {
      for (const entry of input.PublishBatchRequestEntries) {
        this.published++;
        const order = JSON.parse(entry.Message) as Order;
        for (const queue of QUEUES) {
          if (queue === 'Notification' && this.filterApplies && order.amount < MIN_AMOUNT) continue;
          this.pending.get(`https://sqs/${queue}`)?.push({ Body: entry.Message, ReceiptHandle: `${queue}-${this.published}` });
        }
      }
      return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
    });
    sqs.on(ReceiveMessageCommand).callsFake((input: { QueueUrl: string }) => ({ Messages: this.pending.get(input.QueueUrl)?.splice(0, 10) ?? [] }));
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
  }
}

function session(stackChangedAt?: Date): TargetSession {
  const outputs: Record<string, string> = { TopicArn: 'arn:aws:sns:us-east-1:123456789012:order-events', NotificationMinAmount: String(MIN_AMOUNT) };
  for (const queue of QUEUES) {
    outputs[`${queue}QueueUrl`] = `https://sqs/${queue}`;
    outputs[`${queue}DeadLetterQueueUrl`] = `https://sqs/${queue}-dlq`;
    outputs[`${queue}SubscriptionDeadLetterQueueUrl`] = `https://sqs/${queue}-subscription-dlq`;
  }
  return {
    target: 'aws',
    region: 'us-east-1',
    stackName: 'LabFanout',
    ...(stackChangedAt ? { stackChangedAt } : {}),
    output: outputReader('LabFanout', outputs, 'redeploy it'),
    clients: { sns: new SNSClient({ region: 'us-east-1' }), sqs: new SQSClient({ region: 'us-east-1' }) } as unknown as LabClients,
    close: async () => undefined,
  };
}

/** A clock that jumps forward on sleep; `onSleep` sees the simulated time. */
function fakeClock(start: number, onSleep: (now: number) => void = () => undefined): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      onSleep(now);
    },
  };
}

function capturingUi(): { ui: ReturnType<typeof createUi>; lines: string[] } {
  const lines: string[] = [];
  const ui = createUi({ stderr: { write: (s: string) => lines.push(...s.trimEnd().split('\n')) } as never, json: true });
  return { ui, lines };
}

const NOW = Date.parse('2026-12-01T20:00:00Z');

beforeEach(() => {
  sns.reset();
  sqs.reset();
});

describe('filterPropagationWindow', () => {
  test.each([
    ['just created', 0, true],
    ['updated 14 min 59 s ago', FILTER_PROPAGATION_MS - 1000, true],
    ['updated exactly 15 min ago', FILTER_PROPAGATION_MS, false],
    ['updated an hour ago', 60 * 60_000, false],
  ])('%s: inside the window is %p', (_what, ageMs, inside) => {
    expect(filterPropagationWindow(new Date(NOW - ageMs), NOW) !== undefined).toBe(inside);
  });

  test('has no window when the target does not know when the stack changed (local cloud)', () => {
    expect(filterPropagationWindow(undefined, NOW)).toBeUndefined();
  });
});

describe('runFanout inside the filter-propagation window', () => {
  test('retries a run the filter has not caught up with, says so, and judges the run after it applied', async () => {
    // GIVEN a stack updated 5 minutes ago whose notification filter starts applying 2 minutes later
    const topic = new FakeTopic();
    const changedAt = new Date(NOW - 5 * 60_000);
    const clock = fakeClock(NOW, (now) => (topic.filterApplies = now >= NOW + 2 * 60_000));
    const { ui, lines } = capturingUi();

    // WHEN the lab runs
    const observations = await runFanout(session(changedAt), { orders: 5, clock, propagationRetryMs: 30_000 }, ui);

    // THEN the runs before the filter applied were retried, not reported, and the last one holds
    expect(observations.attempts).toBe(5);
    expect(clock.slept).toEqual([30_000, 30_000, 30_000, 30_000]);
    expect(observations.filterPropagatingUntil).toBe('2026-12-01T20:10:00.000Z');
    expect(observations.queues.map((q) => [q.name, q.received, q.expected, q.unexpected])).toEqual([
      ['analytics', 5, 5, 0],
      ['inventory', 5, 5, 0],
      ['notification', 3, 3, 0],
    ]);
    expect(lines[0]).toMatch(/^stack LabFanout was created or updated 5 min ago, and SNS takes up to 15 minutes to apply a filter policy: for the next 10 min/);
    expect(lines.filter((l) => /^run \d inside the filter-propagation window: notification queue received 5 .* retrying in 30 s$/.test(l))).toHaveLength(4);
  });

  test('judges, and fails, a run started after the window when the filter still admits too much', async () => {
    // GIVEN a stack updated 14 minutes ago whose filter never applies (a wrong filter, not propagation)
    const topic = new FakeTopic();
    const clock = fakeClock(NOW);
    const { ui } = capturingUi();

    // WHEN the lab runs
    const observations = await runFanout(session(new Date(NOW - 14 * 60_000)), { orders: 5, clock, propagationRetryMs: 30_000 }, ui);

    // THEN it waits out the window (no longer than its end), then reports the run started after it
    expect(topic.filterApplies).toBe(false);
    expect(clock.slept).toEqual([30_000, 30_000]);
    expect(observations.attempts).toBe(3);
    expect(observations.queues.find((q) => q.name === 'notification')).toMatchObject({ received: 5, expected: 3, unexpected: 2 });
  });

  test('does not wait when the stack changed more than 15 minutes ago', async () => {
    // GIVEN a stack updated 20 minutes ago with a filter that admits too much
    new FakeTopic();
    const clock = fakeClock(NOW);
    const { ui, lines } = capturingUi();

    // WHEN the lab runs
    const observations = await runFanout(session(new Date(NOW - 20 * 60_000)), { orders: 5, clock }, ui);

    // THEN the first run is the verdict
    expect(observations.attempts).toBe(1);
    expect(observations.filterPropagatingUntil).toBeUndefined();
    expect(clock.slept).toEqual([]);
    expect(lines.some((l) => /filter policy/.test(l))).toBe(false);
  });
});
