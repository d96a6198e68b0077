import {
  MAX_CONFLICT_ATTEMPTS,
  SubtaskFailure,
  classifyCancellation,
  conflictBackoffMs,
  countPrimes,
  processSubtask,
  type FanInPort,
  type WorkerContext,
} from '../../../lambda/pipeline/core';
import type { SubtaskMessage } from '../../../lambda/pipeline/messages';
import { planSubtasks } from '../../../lambda/pipeline/ventilator-core';
import { FakeFanInStore } from './fake-fan-in';

const JOB_ID = '0f8e6f5a-3c2b-4d1e-8f7a-6b5c4d3e2f10';

/** Reference: trial division, independent of the sieve under test. */
function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
function referenceCount(from: number, to: number): number {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}

function context(requestId: string, sleeps: number[] = []): WorkerContext {
  return {
    requestId,
    now: () => new Date('2026-03-04T05:06:07.000Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  };
}

/** The job as fan-in leaves it: every subtask counted once, the range's primes as its result, finalized by one worker. */
function completedJob(subtasks: number, rangeEnd: number, finalizedBy: string): Record<string, unknown> {
  return { status: 'COMPLETED', completed: subtasks, result: countPrimes(0, rangeEnd), finalizedBy };
}

describe('countPrimes', () => {
  test.each([
    [0, 0, 0],
    [0, 1, 0],
    [0, 2, 0],
    [0, 3, 1],
    [2, 3, 1],
    [0, 10, 4],
    [0, 100, 25],
    [0, 1000, 168],
    [0, 100_000, 9592],
    [0, 1_000_000, 78_498],
    [1_000_000, 1_000_100, 6],
    [49, 50, 0],
    [97, 98, 1],
  ])('counts the primes in [%i, %i) as %i', (from, to, expected) => {
    expect(countPrimes(from, to)).toBe(expected);
  });

  test.each([
    [0, 5000],
    [65_000, 70_000],
    [123_456, 131_072 + 17],
    [999_000, 1_001_000],
  ])('agrees with trial division on [%i, %i) (segment boundaries included)', (from, to) => {
    expect(countPrimes(from, to)).toBe(referenceCount(from, to));
  });

  test('sub-range counts add up to the whole range', () => {
    const ranges = planSubtasks(JOB_ID, { subtasks: 7, rangeEnd: 200_000 });
    const total = ranges.reduce((sum, r) => sum + countPrimes(r.from, r.to), 0);
    expect(total).toBe(countPrimes(0, 200_000));
  });

  test.each([
    [-1, 5],
    [5, 4],
    [0.5, 4],
  ])('fails if the range [%p, %p) is invalid', (from, to) => {
    expect(() => countPrimes(from, to)).toThrow(/countPrimes needs integers 0 <= from <= to/);
  });
});

describe('classifyCancellation', () => {
  test.each<[(string | undefined)[], string]>([
    [['ConditionalCheckFailed', 'None'], 'duplicate'],
    [['ConditionalCheckFailed', 'ConditionalCheckFailed'], 'duplicate'],
    [['None', 'TransactionConflict'], 'conflict'],
    [['TransactionConflict', 'None'], 'conflict'],
    [['None', 'ConditionalCheckFailed'], 'error'],
    [['None', 'ThrottlingError'], 'error'],
    [[], 'error'],
  ])('reads cancellation reasons %j as %s', (codes, verdict) => {
    expect(classifyCancellation(codes)).toBe(verdict);
  });
});

describe('conflictBackoffMs', () => {
  test.each([
    [1, 0.5, 10],
    [2, 0.5, 20],
    [3, 0.999, 79],
    [4, 0, 0],
  ])('attempt %i with random %p waits %i ms', (attempt, random, ms) => {
    expect(conflictBackoffMs(attempt, random)).toBe(ms);
  });
});

describe('processSubtask', () => {
  function job(subtasks: number, rangeEnd: number, failSubtasks: number[] = []): { store: FakeFanInStore; messages: SubtaskMessage[] } {
    const store = new FakeFanInStore();
    store.addJob(JOB_ID, subtasks);
    return { store, messages: planSubtasks(JOB_ID, { subtasks, rangeEnd, failSubtasks }) };
  }

  test('records every subtask once and the last one finalizes the job with the aggregate', async () => {
    // GIVEN
    const { store, messages } = job(5, 100_000);
    // WHEN
    const outcomes = [];
    for (const [i, message] of messages.entries()) outcomes.push(await processSubtask(message, store, context(`req-${i}`)));
    // THEN
    expect(outcomes.map((o) => [o.record, o.finalized])).toEqual([
      ['recorded', false],
      ['recorded', false],
      ['recorded', false],
      ['recorded', false],
      ['recorded', true],
    ]);
    expect(store.jobs.get(JOB_ID)).toEqual({
      jobId: JOB_ID,
      status: 'COMPLETED',
      subtasks: 5,
      completed: 5,
      primes: 9592,
      result: 9592,
      finalizedBy: 'req-4',
      finalizedAt: '2026-03-04T05:06:07.000Z',
    });
    expect(store.results.get(`${JOB_ID}#2`)).toEqual({
      jobId: JOB_ID,
      subtaskId: 2,
      from: 40_000,
      to: 60_000,
      primes: countPrimes(40_000, 60_000),
      completedAt: '2026-03-04T05:06:07.000Z',
      completedBy: 'req-2',
    });
  });

  test('a redelivered subtask of a completed job changes nothing', async () => {
    // GIVEN a completed job
    const { store, messages } = job(3, 3000);
    for (const message of messages) await processSubtask(message, store, context('first'));
    const jobBefore = structuredClone(store.jobs.get(JOB_ID));
    const resultsBefore = structuredClone([...store.results.entries()]);
    // WHEN subtask 1 is delivered again
    const outcome = await processSubtask(messages[1]!, store, context('redelivery'));
    // THEN
    expect(outcome).toEqual({ jobId: JOB_ID, subtaskId: 1, primes: countPrimes(1000, 2000), record: 'duplicate', finalized: false });
    expect(store.jobs.get(JOB_ID)).toEqual(jobBefore);
    expect([...store.results.entries()]).toEqual(resultsBefore);
  });

  test('a redelivery while the job is still running is not counted twice', async () => {
    // GIVEN
    const { store, messages } = job(3, 3000);
    await processSubtask(messages[0]!, store, context('first'));
    // WHEN
    const outcome = await processSubtask(messages[0]!, store, context('again'));
    // THEN
    expect(outcome.record).toBe('duplicate');
    expect(store.jobs.get(JOB_ID)).toMatchObject({ status: 'RUNNING', completed: 1, primes: countPrimes(0, 1000) });
  });

  test('two concurrent completions of the last subtasks finalize the job exactly once', async () => {
    // GIVEN every subtask but the last two done
    const { store, messages } = job(4, 4000);
    for (const message of messages.slice(0, 2)) await processSubtask(message, store, context('early'));
    // WHEN the last two complete at the same time (and each also sees a redelivery of the other)
    const outcomes = await Promise.all([
      processSubtask(messages[2]!, store, context('worker-a')),
      processSubtask(messages[3]!, store, context('worker-b')),
      processSubtask(messages[3]!, store, context('worker-b-redelivered')),
    ]);
    // THEN both recorded before either finalized: both saw completed = subtasks, exactly one won
    expect(store.log.slice(4)).toEqual([
      'record:2:recorded',
      'record:3:recorded',
      'record:3:duplicate',
      'finalize:worker-a:finalized',
      'finalize:worker-b:not-final',
      'finalize:worker-b-redelivered:not-final',
    ]);
    expect(outcomes.filter((o) => o.finalized)).toHaveLength(1);
    expect(store.jobs.get(JOB_ID)).toMatchObject(completedJob(4, 4000, 'worker-a'));
  });

  test('a crash between recording and finalizing is repaired by the redelivery', async () => {
    // GIVEN the last subtask's first delivery dies right after its transaction
    const { store, messages } = job(2, 2000);
    await processSubtask(messages[0]!, store, context('first'));
    const crashing: FanInPort = {
      recordResult: (result) => store.recordResult(result),
      finalizeJob: async () => {
        throw new Error('Task timed out');
      },
    };
    await expect(processSubtask(messages[1]!, crashing, context('crashed'))).rejects.toThrow(/Task timed out/);
    expect(store.jobs.get(JOB_ID)).toMatchObject({ status: 'RUNNING', completed: 2 });
    // WHEN Lambda retries the event
    const outcome = await processSubtask(messages[1]!, store, context('retry'));
    // THEN counted once, finalized by the retry
    expect(outcome).toMatchObject({ record: 'duplicate', finalized: true });
    expect(store.jobs.get(JOB_ID)).toMatchObject(completedJob(2, 2000, 'retry'));
  });

  test('a subtask marked to fail throws on every attempt and the job stays RUNNING short of it', async () => {
    // GIVEN
    const { store, messages } = job(3, 300, [1]);
    // WHEN
    for (const message of messages) {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (message.fail) await expect(processSubtask(message, store, context('w'))).rejects.toThrow(SubtaskFailure);
      }
      if (!message.fail) await processSubtask(message, store, context('w'));
    }
    // THEN
    await expect(processSubtask(messages[1]!, store, context('w'))).rejects.toThrow(
      `subtask 1 of job ${JOB_ID} is marked to fail (failSubtasks)`,
    );
    expect(store.jobs.get(JOB_ID)).toMatchObject({ status: 'RUNNING', completed: 2 });
    expect(store.results.has(`${JOB_ID}#1`)).toBe(false);
  });

  test('fails if the job does not accept the result (missing job)', async () => {
    // GIVEN no job item
    const store = new FakeFanInStore();
    const [message] = planSubtasks(JOB_ID, { subtasks: 1, rangeEnd: 10 });
    // WHEN / THEN
    await expect(processSubtask(message!, store, context('w'))).rejects.toThrow(/refused subtask 0/);
    expect(store.results.size).toBe(0);
  });

  test('retries a step after transaction conflicts, backing off between attempts', async () => {
    // GIVEN the record step conflicts twice, the finalize step once
    const store = new FakeFanInStore();
    store.addJob(JOB_ID, 1);
    let recordConflicts = 2;
    let finalizeConflicts = 1;
    const contended: FanInPort = {
      recordResult: async (result) => (recordConflicts-- > 0 ? 'conflict' : store.recordResult(result)),
      finalizeJob: async (request) => (finalizeConflicts-- > 0 ? 'conflict' : store.finalizeJob(request)),
    };
    const sleeps: number[] = [];
    const [message] = planSubtasks(JOB_ID, { subtasks: 1, rangeEnd: 10 });
    // WHEN
    const outcome = await processSubtask(message!, contended, context('w', sleeps));
    // THEN
    expect(outcome).toMatchObject({ record: 'recorded', finalized: true, primes: 4 });
    expect(sleeps).toEqual([10, 20, 10]);
  });

  test('fails after MAX_CONFLICT_ATTEMPTS conflicts, so the invocation is retried later', async () => {
    // GIVEN
    let calls = 0;
    const alwaysConflicting: FanInPort = {
      recordResult: async () => {
        calls++;
        return 'conflict';
      },
      finalizeJob: async () => 'not-final',
    };
    const [message] = planSubtasks(JOB_ID, { subtasks: 1, rangeEnd: 10 });
    // WHEN / THEN
    await expect(processSubtask(message!, alwaysConflicting, context('w'))).rejects.toThrow(
      /could not record the result: the job item stayed in conflict for 6 attempts/,
    );
    expect(calls).toBe(MAX_CONFLICT_ATTEMPTS);
  });
});
