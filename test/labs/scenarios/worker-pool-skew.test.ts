import { renderWorkerPool } from '../../../labs/report/worker-pool';
import { PLAIN } from '../../../labs/report/style';
import type { WorkerPoolObservations } from '../../../labs/scenarios/worker-pool';
import { longTaskCount, observeSkew, roundRobin, skewSchedule, skewVerdict, type RecordedTask } from '../../../labs/scenarios/worker-pool-skew';

describe('the skewed schedule', () => {
  test('20 tasks for 3 workers: one long task fewer than the workers, where round-robin sends worker 1 its tasks', () => {
    const work = skewSchedule(20, 3, 200);
    expect(longTaskCount(3)).toBe(2);
    expect(work.map((ms, i) => [i, ms]).filter(([, ms]) => ms !== 200)).toEqual([
      [0, 2000],
      [3, 2000],
    ]);
    expect(work.reduce((a, b) => a + b, 0)).toBe(7600);
  });

  test('round-robin stacks both long tasks on worker 1: 5 s against 1.4 s and 1.2 s', () => {
    expect(roundRobin(skewSchedule(20, 3, 200), 3)).toEqual({ busyMs: [5000, 1400, 1200], makespanMs: 5000 });
    expect(roundRobin(skewSchedule(12, 2, 100), 2)).toEqual({ busyMs: [1500, 600], makespanMs: 1500 });
  });
});

/** Three workers pulling 20 tasks as a queue would hand them out: each takes the next task when free. */
function pulled(work: readonly number[], workers: number, gapMs = 20): RecordedTask[] {
  const freeAt = Array.from({ length: workers }, () => 0);
  return work.map((workMs) => {
    const w = freeAt.indexOf(Math.min(...freeAt));
    const startedAt = 1_000_000 + (freeAt[w] as number);
    freeAt[w] = (freeAt[w] as number) + workMs + gapMs;
    return { workerId: `env-${w + 1}`, workMs, startedAt };
  });
}

describe('observeSkew and skewVerdict', () => {
  const work = skewSchedule(20, 3, 200);

  test('pulling: the long-task workers take fewer tasks, busy time evens out, makespan 2.66 s against 5 s', () => {
    const o = observeSkew(work, 3, pulled(work, 3));
    expect(o.workers.map((w) => [w.id, w.tasks, w.longTasks, w.busyMs])).toEqual([
      ['env-3', 12, 0, 2400],
      ['env-1', 4, 1, 2600],
      ['env-2', 4, 1, 2600],
    ]);
    expect(o).toMatchObject({ shortMs: 200, longMs: 2000, longTasks: 2, measuredMakespanMs: 2660, roundRobinMakespanMs: 5000 });
    expect(skewVerdict(o)).toEqual({ ok: true, failures: [] });
  });

  test('fails if pulling took longer than round-robin would have', () => {
    const o = observeSkew(work, 3, pulled(work, 3, 1_000));
    expect(o.measuredMakespanMs).toBe(8600);
    expect(skewVerdict(o).failures).toEqual(['pulling took 8600 ms, more than the 5000 ms round-robin would have']);
  });

  test('fails if a worker with a long task took as many tasks as one with short tasks only', () => {
    const o = observeSkew(work, 3, work.map((workMs, i) => ({ workerId: `env-${(i % 3) + 1}`, workMs, startedAt: 1_000_000 + i })));
    expect(skewVerdict(o).failures).toEqual([expect.stringMatching(/^a worker with a long task took 7 tasks, a worker with short tasks only 6/)]);
  });

  test('the report puts the measured and the computed makespan side by side, labelled', () => {
    const skew = observeSkew(work, 3, pulled(work, 3));
    const text = renderWorkerPool({ tasks: 20, processed: 20, poison: 0, duplicates: 0, deadLettered: 0, deadLetteredHealthy: 0, poisonCompleted: 0, poolSize: 3, workers: [], sendCalls: 2, elapsedMs: 3000, skew } as unknown as WorkerPoolObservations, PLAIN);
    expect(text).toMatch(/measured, pulling from the queue +│ 2\.7 s/);
    expect(text).toMatch(/computed, not run: the same task times pushed round-robin +│ 5\.0 s \(busy per worker: 5\.0 s, 1\.4 s, 1\.2 s\)/);
  });
});
