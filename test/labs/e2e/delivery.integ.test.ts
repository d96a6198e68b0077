import { exitWithStory, json, labsSideBySide, type CliRun } from './cli-process';

/**
 * `labs delivery ordering` and `labs delivery backpressure` end to end on the local cloud, each with
 * its defaults (4 groups of 5 with one poison; a burst of 60 over K = 3), as a student runs them. The
 * expected numbers are written out here, not read from the run. The two runs go side by side, each with
 * a local cloud of its own: both mostly wait on visibility timeouts and polls.
 */

jest.setTimeout(400_000);

interface Queue {
  readonly kind: string;
  readonly [field: string]: unknown;
}

interface Strategy {
  readonly name: string;
  readonly sent: number;
  readonly processed: number;
  readonly deadLettered: number;
  readonly processedAndDeadLettered: number;
  readonly dropped: number;
  readonly refused: number;
  readonly maxDepth: number;
  readonly maxBusy: number;
  readonly producerWaitMs: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly series: ReadonlyArray<{ readonly t: number; readonly depth: number; readonly inFlight: number; readonly downstreamBusy: number }>;
}

let runs: Readonly<Record<'ordering' | 'backpressure', Promise<CliRun>>>;
beforeAll(() => {
  runs = labsSideBySide({ ordering: ['delivery', 'ordering', '--json'], backpressure: ['delivery', 'backpressure', '--json'] });
});

const pick = (o: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

describe('labs delivery ordering', () => {
  let run: CliRun;
  beforeAll(async () => {
    run = await runs.ordering;
  }, 400_000);

  test('exits 0 with FIFO in order, only the poisoned group blocked, and the standard queue overtaken in every group', () => {
    expect(exitWithStory(run)).toEqual({ code: 0, stderr: '' });
    const result = json<{ ok: boolean; poison: unknown; timedOut: boolean; queues: Queue[] }>(run);
    expect(pick(result, ['ok', 'poison', 'timedOut'])).toEqual({ ok: true, poison: { group: 'g0', seq: 1 }, timedOut: false });
    const [standard, fifo] = result.queues as [Queue, Queue];
    expect(pick(fifo, ['kind', 'groups', 'messages', 'delivered', 'duplicates', 'deadLettered', 'orderViolations', 'blockedGroups', 'blocked', 'groupsOutOfSequence'])).toEqual({
      kind: 'fifo',
      groups: 4,
      messages: 20,
      delivered: 19,
      duplicates: 0,
      deadLettered: 1,
      orderViolations: 0,
      blockedGroups: 1,
      blocked: ['g0'],
      groupsOutOfSequence: 0,
    });
    expect(pick(standard, ['kind', 'groups', 'messages', 'deadLettered', 'blockedGroups'])).toEqual({ kind: 'standard', groups: 4, messages: 20, deadLettered: 1, blockedGroups: 0 });
    // At-least-once: a batch that timed out on a loaded machine comes back whole; every message is there, some maybe twice.
    expect(Number(standard['delivered']) - Number(standard['duplicates'])).toBe(19);
    // Each group's first message is handed out late: at least one violation per group, more by chance.
    expect(standard['orderViolations']).toBeGreaterThanOrEqual(4);
    for (const q of [standard, fifo]) expect(q['maxGroupsInFlight']).toBeLessThanOrEqual(4);
  });
});

describe('labs delivery backpressure', () => {
  let run: CliRun;
  beforeAll(async () => {
    run = await runs.backpressure;
  }, 400_000);

  test('exits 0 with the numbers each strategy must show', () => {
    expect(exitWithStory(run)).toEqual({ code: 0, stderr: '' });
    const result = json<{ ok: boolean; burst: number; capacity: number; highWaterMark: number; strategies: Strategy[] }>(run);
    expect(pick(result, ['ok', 'burst', 'capacity', 'highWaterMark'])).toEqual({ ok: true, burst: 60, capacity: 3, highWaterMark: 6 });
    const exact = ['name', 'sent', 'processed', 'deadLettered', 'dropped', 'refused'];
    const queued = result.strategies.slice(0, 3);
    const push = result.strategies[3] as Strategy;
    expect(queued.map((s) => pick(s as unknown as Record<string, unknown>, exact))).toEqual([
      { name: 'buffer', sent: 60, processed: 60, deadLettered: 0, dropped: 0, refused: 0 },
      { name: 'back-pressure', sent: 60, processed: 60, deadLettered: 0, dropped: 0, refused: 0 },
      { name: 'drop', sent: 60, processed: 6, deadLettered: 0, dropped: 54, refused: 0 },
    ]);
    // Push: which attempts find a permit depends on timing; that every event settled and overload happened does not.
    expect({ name: push.name, settled: push.processed + push.deadLettered - push.processedAndDeadLettered, dropped: push.dropped }).toEqual({ name: 'push', settled: 60, dropped: 0 });
    expect(push.deadLettered).toBeGreaterThan(0);
    expect(push.refused).toBeGreaterThan(0);
    const [, backPressure, drop] = queued as [Strategy, Strategy, Strategy];
    expect(backPressure.maxDepth).toBeLessThanOrEqual(6);
    expect(drop.maxDepth).toBeLessThanOrEqual(6);
    expect(backPressure.producerWaitMs).toBeGreaterThan(0);
    for (const s of result.strategies) {
      expect(s.maxBusy).toBeLessThanOrEqual(3);
      expect(s.series.length).toBeGreaterThan(0);
      expect(Object.keys(s.series[0] ?? {}).sort()).toEqual(['depth', 'downstreamBusy', 'inFlight', 't']);
      expect(s.latencyMs.p99).toBeGreaterThanOrEqual(s.latencyMs.p50);
    }
  });
});
