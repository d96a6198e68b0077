import { backPressureRoom, backpressureVerdict, dropAdmits, STRATEGIES, type StrategyObservation } from '../../../labs/scenarios/delivery-backpressure';

describe('the producer decisions', () => {
  it.each([
    [0, 6, 30, 6],
    [4, 6, 30, 2],
    [6, 6, 30, 0],
    [7, 6, 30, 0],
    [0, 20, 30, 10],
    [0, 6, 3, 3],
  ])('back-pressure at depth %i under mark %i with %i left sends %i', (depth, mark, remaining, expected) => {
    expect(backPressureRoom(depth, mark, remaining)).toBe(expected);
  });

  it.each([
    [0, 6, 30, 6],
    [2, 6, 30, 4],
    [9, 6, 30, 0],
    [0, 6, 4, 4],
  ])('drop at depth %i under bound %i admits of a burst of %i: %i', (depth, bound, burst, expected) => {
    expect(dropAdmits(depth, bound, burst)).toBe(expected);
  });
});

const strategy = (name: StrategyObservation['name'], overrides: Partial<StrategyObservation> = {}): StrategyObservation => ({
  name,
  sent: 30,
  processed: 30,
  deadLettered: 0,
  processedAndDeadLettered: 0,
  dropped: 0,
  refused: 0,
  maxDepth: name === 'push' ? 0 : 6,
  maxBusy: 3,
  producerWaitMs: name === 'back-pressure' ? 1_500 : 0,
  drainMs: 2_200,
  latencyMs: { p50: 1_000, p99: 2_100 },
  series: [],
  timedOut: false,
  ...overrides,
});
const good = (): StrategyObservation[] => [
  strategy('push', { processed: 11, deadLettered: 19, refused: 70 }),
  strategy('buffer', { maxDepth: 30 }),
  strategy('back-pressure'),
  strategy('drop', { processed: 6, dropped: 24 }),
];
const observed = (strategies: StrategyObservation[]) => ({ capacity: 3, highWaterMark: 6, planned: STRATEGIES, strategies });
const replace = (index: number, s: StrategyObservation) => good().map((old, i) => (i === index ? s : old));

describe('backpressureVerdict', () => {
  it('holds for the numbers each strategy must show', () => {
    expect(backpressureVerdict(observed(good()))).toEqual({ ok: true, failures: [] });
  });

  it.each([
    ['push lost an event', replace(0, strategy('push', { processed: 11, deadLettered: 18, refused: 70 })), /push: 11 processed \+ 18 dead-lettered, expected every one of the 30 sent/],
    [
      'push lost an event, one message both processed and dead-lettered',
      replace(0, strategy('push', { processed: 12, deadLettered: 18, processedAndDeadLettered: 1, refused: 70 })),
      /push: 12 processed \+ 18 dead-lettered - 1 both, expected every one of the 30 sent/,
    ],
    ['push never overloaded the downstream', replace(0, strategy('push', { refused: 0 })), /push: the downstream refused nothing/],
    ['push dead-lettered nothing', replace(0, strategy('push', { refused: 5 })), /push: nothing dead-lettered/],
    ['the buffer lost a message', replace(1, strategy('buffer', { processed: 29, deadLettered: 1 })), /buffer: processed 29, expected 30/],
    ['the buffer was refused', replace(1, strategy('buffer', { refused: 2 })), /buffer: refused 2, expected 0/],
    ['back-pressure let the queue pass its mark', replace(2, strategy('back-pressure', { maxDepth: 7 })), /back-pressure: the queue held 7, above the mark of 6/],
    ['back-pressure never made the producer wait', replace(2, strategy('back-pressure', { producerWaitMs: 0 })), /back-pressure: the producer never waited/],
    ['drop shed the wrong number', replace(3, strategy('drop', { processed: 7, dropped: 23 })), /drop: dropped 23, expected 24[\s\S]*drop: processed 7, expected 6/],
    ['a strategy took more than K permits', replace(1, strategy('buffer', { maxBusy: 4 })), /buffer: 4 downstream permits taken at once, more than its 3/],
    ['a strategy timed out', replace(2, strategy('back-pressure', { timedOut: true })), /back-pressure: the burst had not settled before the deadline/],
    ['the run stopped early', good().slice(0, 2), /not run, after a strategy timed out: back-pressure, drop/],
  ])('fails if %s', (_name, strategies, message) => {
    const verdict = backpressureVerdict(observed(strategies));
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });

  it('holds when a push call completed, was cut short by its timeout, and its retries were dead-lettered', () => {
    // 12 processed, 19 dead-lettered, one of them both: 30 distinct messages settled
    const strategies = replace(0, strategy('push', { processed: 12, deadLettered: 19, processedAndDeadLettered: 1, refused: 70 }));
    expect(backpressureVerdict(observed(strategies))).toEqual({ ok: true, failures: [] });
  });

  it('runs push last, after the strategies with exact numbers', () => {
    expect(STRATEGIES).toEqual(['buffer', 'back-pressure', 'drop', 'push']);
  });

  it('expects no drop and no wait when the burst fits under the mark', () => {
    const small = [strategy('back-pressure', { sent: 5, processed: 5, producerWaitMs: 0, maxDepth: 5 }), strategy('drop', { sent: 5, processed: 5, maxDepth: 5 })];
    expect(backpressureVerdict({ capacity: 3, highWaterMark: 6, planned: ['back-pressure', 'drop'], strategies: small })).toEqual({ ok: true, failures: [] });
  });
});
