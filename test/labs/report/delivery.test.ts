import { renderBackpressure, renderOrdering } from '../../../labs/report/delivery';
import type { BackpressureObservations, StrategyObservation } from '../../../labs/scenarios/delivery-backpressure';
import type { OrderingObservations } from '../../../labs/scenarios/delivery-ordering';
import { PLAIN } from '../../../labs/report/style';

const queue = { groups: 4, messages: 20, delivered: 19, duplicates: 0, deadLettered: 1, maxGroupsInFlight: 3, groupsOutOfSequence: 0 };
const ordering: OrderingObservations = {
  runId: 'r',
  poison: { group: 'g0', seq: 1 },
  delayedFirstSeconds: 5,
  visibilityTimeoutSeconds: 12,
  maxReceiveCount: 2,
  queues: [
    { ...queue, kind: 'standard', orderViolations: 7, blockedGroups: 0, blocked: [], groupsOutOfSequence: 4 },
    { ...queue, kind: 'fifo', orderViolations: 0, blockedGroups: 1, blocked: ['g0'] },
  ],
  timedOut: false,
  elapsedMs: 27_300,
};

describe('renderOrdering', () => {
  it.each([
    ['a row per queue with its violations and blocked groups', /standard\s*│\s*4\s*│\s*20\s*│\s*19\s*│\s*1\s*│\s*7\s*│\s*3\s*│\s*-/],
    ['the FIFO row naming the poisoned group', /FIFO\s*│\s*4\s*│\s*20\s*│\s*19\s*│\s*1\s*│\s*0\s*│\s*3\s*│\s*g0/],
    ['how the poison was dead-lettered', /Message 1 of g0 was poisoned: received 2 times, 12 s apart, then dead-lettered\./],
    ['the time it took', /Done in 27\.3 s\./],
  ])('shows %s', (_name, pattern) => {
    expect(renderOrdering(ordering, PLAIN)).toMatch(pattern);
  });

  it('says when the run timed out', () => {
    expect(renderOrdering({ ...ordering, timedOut: true }, PLAIN)).toMatch(/The run had not finished after 27\.3 s\./);
  });
});

const strategy = (name: StrategyObservation['name'], overrides: Partial<StrategyObservation>): StrategyObservation => ({
  name,
  sent: 30,
  processed: 30,
  deadLettered: 0,
  processedAndDeadLettered: 0,
  dropped: 0,
  refused: 0,
  maxDepth: 6,
  maxBusy: 3,
  producerWaitMs: 0,
  drainMs: 2_200,
  latencyMs: { p50: 1_100, p99: 2_150 },
  series: [
    { t: 0, depth: 0, inFlight: 0, downstreamBusy: 0 },
    { t: 100, depth: 6, inFlight: 3, downstreamBusy: 3 },
    { t: 200, depth: 2, inFlight: 2, downstreamBusy: 2 },
  ],
  timedOut: false,
  ...overrides,
});
const backpressure: BackpressureObservations = {
  runId: 'r',
  burst: 30,
  capacity: 3,
  workMs: 200,
  highWaterMark: 6,
  planned: ['push', 'drop'],
  strategies: [strategy('push', { processed: 12, deadLettered: 18, refused: 64, maxDepth: 0 }), strategy('drop', { processed: 6, dropped: 24, timedOut: true })],
  elapsedMs: 9_000,
};

describe('renderBackpressure', () => {
  const text = renderBackpressure(backpressure, PLAIN);
  it.each([
    ['a row per strategy with its counts', /push\s*│\s*30\s*│\s*12\s*│\s*18\s*│\s*0\s*│\s*64\s*│\s*0\s*│\s*0\.0 s\s*│\s*1\.1 s\s*│\s*2\.1 s\s*│\s*2\.2 s/],
    ['a strategy that timed out', /drop\s*│\s*30\s*│\s*6\s*│\s*0\s*│\s*24\s*│.*timed out/],
    ['the downstream and its mark', /A downstream of 3 permits, 200 ms a call; the back-pressure mark and the drop bound: 6 messages in the queue\./],
    ['a chart per strategy with its legend', /push: one invocation per message[\s\S]*queue depth \(peak 6\)\s+in flight \(peak 3\)\s+downstream busy \(peak 3\)/],
    ['the time span of each chart', /0 \.\. 0\.2 s/],
  ])('shows %s', (_name, pattern) => {
    expect(text).toMatch(pattern);
  });

  it('says nothing of messages both processed and dead-lettered when there were none', () => {
    expect(text).not.toMatch(/also processed/i);
  });

  it('shows the dead-lettered messages that were also processed, and why', () => {
    const both = renderBackpressure({ ...backpressure, strategies: [strategy('push', { processed: 13, deadLettered: 18, processedAndDeadLettered: 1, refused: 64 })] }, PLAIN);
    expect(both).toMatch(/push\s*│\s*30\s*│\s*13\s*│\s*18 \(1 also processed\)\s*│/);
    expect(both).toMatch(/Also processed: calls that completed, then had their invocation cut short by its timeout/);
  });
});
