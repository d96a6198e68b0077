import {
  makeTasks,
  resizeCommand,
  spreadIndices,
  workerPoolDeadlineMs,
  workerPoolVerdict,
  type WorkerPoolObservations,
} from '../../../labs/scenarios/worker-pool';

type Observed = Parameters<typeof workerPoolVerdict>[0];

const healthy: Observed = {
  tasks: 20,
  poison: 2,
  processed: 18,
  poisonCompleted: 0,
  deadLettered: 2,
  deadLetteredHealthy: 0,
  duplicates: 0,
  poolSize: 3,
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 30,
  elapsedMs: 1000,
  timeoutMs: 150_000,
  timedOut: false,
};

describe('workerPoolVerdict', () => {
  test.each<[string, Partial<WorkerPoolObservations>, RegExp[]]>([
    ['every task processed once, poison dead-lettered', {}, []],
    ['a task is missing', { processed: 17 }, [/17 of 18 tasks were processed/]],
    ['a task was processed twice', { duplicates: 1 }, [/1 duplicate/]],
    ['a poison task never reached the DLQ', { deadLettered: 1 }, [/1 task\(s\) reached the dead-letter queue, expected 2/]],
    [
      'a healthy task reached the DLQ',
      { processed: 17, deadLettered: 3, deadLetteredHealthy: 1 },
      [/17 of 18/, /3 task\(s\) reached the dead-letter queue, expected 2/, /1 task\(s\) that were not poison/],
    ],
    ['a poison task was completed', { poisonCompleted: 1, processed: 18 }, [/1 poison task\(s\) were completed/]],
    ['the deadline passed', { timedOut: true, processed: 10, deadLettered: 0 }, [/deadline of 150 s passed with 10 of 20/, /10 of 18/, /0 task\(s\) reached/]],
    ['the crashed task completed on its second attempt', { crash: { taskId: 't-0', completed: true, attempts: 2, workerId: 'env-b' } }, []],
    ['the crashed task was never completed', { crash: { taskId: 't-0', completed: false, attempts: 0 } }, [/crashed task t-0 was never completed/]],
    ['the crash never happened', { crash: { taskId: 't-0', completed: true, attempts: 1, workerId: 'env-a' } }, [/completed on attempt 1: it was never redelivered/]],
  ])('%s', (_name, change, expected) => {
    const verdict = workerPoolVerdict({ ...healthy, ...change });
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
    expect(verdict.ok).toBe(expected.length === 0);
  });
});

describe('tasks', () => {
  test('poison tasks are spread over the run, not bunched at one end', () => {
    expect(spreadIndices(20, 2)).toEqual([5, 15]);
    expect(spreadIndices(10, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(spreadIndices(5, 0)).toEqual([]);
    expect(() => spreadIndices(2, 3)).toThrow(/cannot pick 3 of 2/);
  });

  test('one crash task, never a poison one; ids unique and tagged with the run', () => {
    const tasks = makeTasks('run9', { tasks: 4, workMs: 50, poison: 1, crash: true });
    expect(tasks.map((t) => t.taskId)).toEqual(['run9-0000', 'run9-0001', 'run9-0002', 'run9-0003']);
    expect(tasks.filter((t) => t.poison).map((t) => t.taskId)).toEqual(['run9-0002']);
    expect(tasks.filter((t) => t.crash).map((t) => t.taskId)).toEqual(['run9-0000']);
    expect(tasks.every((t) => t.runId === 'run9' && t.workMs === 50)).toBe(true);
    expect(JSON.stringify(tasks[1])).toBe('{"runId":"run9","taskId":"run9-0001","workMs":50}');
  });
});

describe('workerPoolDeadlineMs', () => {
  test('leaves room for a poison task to be received maxReceiveCount times', () => {
    const ms = workerPoolDeadlineMs({ tasks: 20, workMs: 200, poolSize: 3, maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
    expect(ms).toBe(30 * 4 * 1000 + 7 * 200 + 30_000);
  });
});

describe('resizeCommand', () => {
  test('names the stack, the prefix when there is one, and the pool size', () => {
    expect(resizeCommand('LabWorkerPool', 5, '')).toBe('npx cdk deploy LabWorkerPool -c workerPoolSize=5');
    expect(resizeCommand('alice-LabWorkerPool', 5, 'alice-')).toBe('npx cdk deploy alice-LabWorkerPool -c stackPrefix=alice- -c workerPoolSize=5');
  });
});
