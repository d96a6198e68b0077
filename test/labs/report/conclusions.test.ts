import { renderFanout } from '../../../labs/report/fanout';
import { renderPipeline } from '../../../labs/report/pipeline';
import { renderWorkerPool } from '../../../labs/report/worker-pool';
import { PLAIN } from '../../../labs/report/style';
import type { FanoutObservations, QueueObservation } from '../../../labs/scenarios/fanout';
import type { PipelineObservations } from '../../../labs/scenarios/pipeline';
import type { WorkerPoolObservations } from '../../../labs/scenarios/worker-pool';

// A lab's closing sentence states the pattern as shown; a run that did not show it must not claim it.

const pool: WorkerPoolObservations = {
  runId: 'r1',
  tasks: 6,
  poison: 1,
  processed: 5,
  poisonCompleted: 0,
  deadLettered: 1,
  deadLetteredHealthy: 0,
  duplicates: 0,
  workers: [{ id: 'env-a', tasks: 5 }],
  poolSize: 3,
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 30,
  sendCalls: 1,
  elapsedMs: 1000,
  timeoutMs: 60_000,
  timedOut: false,
};

describe('renderWorkerPool', () => {
  test('claims once-each delivery when every healthy task was processed once', () => {
    expect(renderWorkerPool(pool, PLAIN)).toContain('Each task was processed by exactly one worker');
  });

  test.each([
    ['a duplicate', { duplicates: 1 }],
    ['a missing task', { processed: 4 }],
    ['a healthy task dead-lettered', { processed: 4, deadLetteredHealthy: 1, deadLettered: 2 }],
  ])('does not claim it with %s', (_what, change) => {
    const text = renderWorkerPool({ ...pool, ...change }, PLAIN);
    expect(text).not.toContain('Each task was processed by exactly one worker');
    expect(text).toContain('Not every task was processed exactly once in this run');
  });
});

const job: PipelineObservations = {
  jobId: 'job-1',
  subtasks: 10,
  rangeEnd: 100,
  publishCalls: 1,
  status: 'COMPLETED',
  completed: 10,
  resultItems: 10,
  result: 25,
  expectedResult: 25,
  fanOutMs: 10,
  fanInMs: 20,
  totalMs: 30,
  timedOut: false,
};

describe('renderPipeline', () => {
  test('claims an exactly-once fan-in for a completed job', () => {
    expect(renderPipeline(job, PLAIN)).toContain('fan-in counted each subtask once and finalized the job once');
  });

  test('does not claim it for a job left running', () => {
    const text = renderPipeline({ ...job, status: 'RUNNING', completed: 9, resultItems: 9, result: null, timedOut: true }, PLAIN);
    expect(text).not.toContain('fan-in counted each subtask once');
    expect(text).toContain('9 of 10 counted under job job-1, which is RUNNING');
  });
});

const queue = (name: string, received: number, expected: number): QueueObservation => ({
  name,
  filter: 'every order',
  received,
  expected,
  unexpected: 0,
  duplicates: 0,
  orderIds: [],
  deadLetterDepth: 0,
  subscriptionDeadLetterDepth: 0,
});

describe('renderFanout', () => {
  const base: FanoutObservations = { runId: 'r1', minAmount: 100, publishCalls: 1, orders: [], queues: [queue('analytics', 2, 2)], timedOut: false, attempts: 1 };

  test('claims every queue got its copy when each received what it admits', () => {
    expect(renderFanout(base, PLAIN)).toContain('Every queue received its copy independently');
  });

  test('does not claim it when a queue missed an order', () => {
    const text = renderFanout({ ...base, queues: [queue('analytics', 1, 2)] }, PLAIN);
    expect(text).not.toContain('Every queue received its copy independently');
    expect(text).toContain('Not every queue received what its subscription admits');
  });

  test('does not claim it when SNS dead-lettered a delivery', () => {
    const text = renderFanout({ ...base, queues: [{ ...queue('analytics', 2, 2), subscriptionDeadLetterDepth: 1 }] }, PLAIN);
    expect(text).not.toContain('Every queue received its copy independently');
    expect(text).toMatch(/SNS gave up/);
  });

  test('says which run is shown when runs inside the filter-propagation window were retried', () => {
    const text = renderFanout({ ...base, attempts: 3, filterPropagatingUntil: '2026-12-01T20:15:00.000Z' }, PLAIN);
    expect(text).toContain('Run 3 of this lab is the one shown');
    expect(text).toContain('until 2026-12-01T20:15:00.000Z');
    expect(renderFanout(base, PLAIN)).not.toContain('of this lab is the one shown');
  });
});
