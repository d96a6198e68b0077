import {
  LEDGER_TTL_SECONDS,
  PoisonTaskError,
  completionOf,
  performTask,
  shouldCrash,
  type Completion,
  type Delivery,
  type RecordResult,
  type WorkerPorts,
} from '../../../lambda/worker-pool/core';
import type { WorkerTask } from '../../../lambda/worker-pool/messages';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const RECEIVED = NOW.getTime();

class Crashed extends Error {}

/** Ports that record what the core asked for; `ledgerAnswer` is what the conditional write returns. */
function fakePorts(ledgerAnswer: RecordResult = 'recorded') {
  const calls = { slept: [] as number[], recorded: [] as Completion[], crashes: [] as string[] };
  // A clock that the simulated work moves on.
  let clock = RECEIVED;
  const ports: WorkerPorts = {
    sleep: async (ms) => {
      calls.slept.push(ms);
      clock += ms;
    },
    now: () => new Date(clock),
    recordCompletion: async (completion) => {
      calls.recorded.push(completion);
      return ledgerAnswer;
    },
    crashEnvironment: (reason) => {
      calls.crashes.push(reason);
      throw new Crashed(reason);
    },
  };
  return { ports, calls };
}

const task = (extra: Partial<WorkerTask> = {}): WorkerTask => ({ runId: 'run-1', taskId: 'run-1-7', workMs: 40, ...extra });
const delivery = (receiveCount: number): Delivery => ({ workerId: '2026/03/01/[$LATEST]abc', receiveCount });

describe('performTask', () => {
  test.each([
    { name: 'a plain task on its first delivery', t: task(), receive: 1, ledger: 'recorded' as const, slept: [40] },
    { name: 'a plain task redelivered after a timeout', t: task(), receive: 3, ledger: 'recorded' as const, slept: [40] },
    { name: 'a crash task on its second delivery', t: task({ crash: true }), receive: 2, ledger: 'recorded' as const, slept: [40] },
    { name: 'a task another worker already completed', t: task(), receive: 2, ledger: 'already-completed' as const, slept: [40] },
    { name: 'a task with no work', t: task({ workMs: 0 }), receive: 1, ledger: 'recorded' as const, slept: [0] },
  ])('works, then records $name once', async ({ t, receive, ledger, slept }) => {
    // GIVEN
    const { ports, calls } = fakePorts(ledger);
    // WHEN
    const outcome = await performTask(t, delivery(receive), ports);
    // THEN
    expect(outcome).toEqual({ taskId: 'run-1-7', workerId: '2026/03/01/[$LATEST]abc', result: ledger });
    expect(calls.slept).toEqual(slept);
    // Stamped when the work is done, not when the task was received.
    expect(calls.recorded).toEqual([completionOf(t, delivery(receive), new Date(RECEIVED + t.workMs))]);
    expect(calls.crashes).toEqual([]);
  });

  test.each([1, 2, 3])('fails a poison task on delivery %p without working or recording', async (receive) => {
    const { ports, calls } = fakePorts();
    await expect(performTask(task({ poison: true }), delivery(receive), ports)).rejects.toThrow(
      new PoisonTaskError('run-1-7', receive),
    );
    expect(calls).toEqual({ slept: [], recorded: [], crashes: [] });
  });

  test('ends the environment mid-task on the first delivery of a crash task, before recording', async () => {
    const { ports, calls } = fakePorts();
    await expect(performTask(task({ crash: true }), delivery(1), ports)).rejects.toThrow(Crashed);
    expect(calls.crashes).toEqual([expect.stringMatching(/task run-1-7 asked to crash its worker on delivery 1/)]);
    expect(calls.slept).toEqual([20]);
    expect(calls.recorded).toEqual([]);
  });
});

describe('shouldCrash', () => {
  test.each([
    [{}, 1, false],
    [{ crash: false }, 1, false],
    [{ crash: true }, 1, true],
    [{ crash: true }, 2, false],
    [{ crash: true }, 5, false],
  ])('task %p on delivery %p -> %p', (extra, receive, expected) => {
    expect(shouldCrash(task(extra), receive)).toBe(expected);
  });
});

describe('completionOf', () => {
  test('names the task, the run, the environment, the deliveries, and when the entry expires', () => {
    expect(completionOf(task(), delivery(2), NOW)).toEqual({
      taskId: 'run-1-7',
      runId: 'run-1',
      workerId: '2026/03/01/[$LATEST]abc',
      attempts: 2,
      completedAt: '2026-03-01T12:00:00.000Z',
      expiresAt: NOW.getTime() / 1000 + LEDGER_TTL_SECONDS,
    });
  });
});
