import { dedupVerdict, distinctDeliveries, type DedupObservations } from '../../../labs/scenarios/delivery-dedup';

const observed = (standard: number, fifo: number, timedOut = false): DedupObservations => ({
  runId: 'r',
  messages: 5,
  standard: { sent: 10, received: standard, deduplicated: 10 - standard },
  fifo: { sent: 10, received: fifo, deduplicated: 10 - fifo },
  timedOut,
  elapsedMs: 3_000,
});

describe('dedupVerdict', () => {
  it('holds when the standard queue delivered both copies and the FIFO queue one', () => {
    expect(dedupVerdict(observed(10, 5))).toEqual({ ok: true, failures: [] });
  });

  it.each([
    ['the FIFO queue delivered a retry', observed(10, 6), /FIFO queue: 6 delivered, expected each message once \(5\)/],
    ['the standard queue lost a copy', observed(9, 5), /standard queue: 9 delivered, expected both copies of each message \(10\)/],
    ['the queues did not drain', observed(10, 5, true), /did not drain before the deadline/],
  ])('fails if %s', (_name, observations, message) => {
    const verdict = dedupVerdict(observations);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });
});

describe('distinctDeliveries', () => {
  it.each([
    ['no arrival', [], 0],
    ['two copies of a message (two SQS messages)', [{ sqsMessageId: 'a' }, { sqsMessageId: 'b' }], 2],
    ['one copy processed again after its batch was cut short (the same SQS message)', [{ sqsMessageId: 'a' }, { sqsMessageId: 'b' }, { sqsMessageId: 'a' }], 2],
    ['entries recorded before message ids were, each its own', [{}, {}], 2],
  ])('counts %s', (_name, arrivals, expected) => {
    expect(distinctDeliveries(arrivals)).toBe(expected);
  });
});
