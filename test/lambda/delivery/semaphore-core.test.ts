import { DownstreamOverloadedError, callDownstream, withPermit, type SemaphorePorts } from '../../../lambda/delivery/semaphore-core';

/** A semaphore held in memory, like the DynamoDB item: `taken` permits, never more than the capacity. */
function memorySemaphore(): SemaphorePorts & { taken: number; refused: number } {
  const state = {
    taken: 0,
    refused: 0,
    async tryAcquire(capacity: number) {
      if (state.taken >= capacity) {
        state.refused += 1;
        return false;
      }
      state.taken += 1;
      return true;
    },
    async release() {
      state.taken -= 1;
    },
  };
  return state;
}

describe('withPermit', () => {
  it.each([
    [1, 3, 1, 2],
    [3, 3, 3, 0],
    [3, 5, 3, 2],
    [5, 2, 2, 0],
  ])('with capacity %i, %i simultaneous calls: %i admitted, %i refused as overloaded', async (capacity, calls, admitted, refused) => {
    // GIVEN
    const semaphore = memorySemaphore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));

    // WHEN every call arrives while the admitted ones still hold their permits
    const results = Array.from({ length: calls }, () => withPermit(capacity, semaphore, () => gate).then(() => 'done', (error: unknown) => error));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const settled = await Promise.all(results);

    // THEN
    expect(settled.filter((r) => r === 'done')).toHaveLength(admitted);
    expect(settled.filter((r) => r instanceof DownstreamOverloadedError)).toHaveLength(refused);
    expect(semaphore.taken).toBe(0);
  });

  it('gives the permit back when the work fails', async () => {
    const semaphore = memorySemaphore();
    await expect(withPermit(1, semaphore, async () => Promise.reject(new Error('downstream bug')))).rejects.toThrow(/downstream bug/);
    expect(semaphore.taken).toBe(0);
  });

  it('says the downstream is overloaded and that the call may be retried', async () => {
    const semaphore = memorySemaphore();
    semaphore.taken = 3;
    await expect(withPermit(3, semaphore, async () => 'never')).rejects.toThrow(/overloaded: all 3 of its permits are taken.*may be retried/);
  });
});

describe('callDownstream', () => {
  it('works and records a call it admits, then gives the permit back', async () => {
    const semaphore = memorySemaphore();
    const recorded: unknown[] = [];
    const completion = await callDownstream({ runId: 'r', messageId: 'm-1', sentAt: 10 }, 3, {
      ...semaphore,
      now: () => 40,
      work: async () => expect(semaphore.taken).toBe(1),
      recordCompletion: async (c) => void recorded.push(c),
    });
    expect(completion).toEqual({ runId: 'r', messageId: 'm-1', sentAt: 10, completedAt: 40 });
    expect(recorded).toEqual([completion]);
    expect(semaphore.taken).toBe(0);
  });

  it('records nothing for a call it refuses', async () => {
    const semaphore = memorySemaphore();
    semaphore.taken = 2;
    const recorded: unknown[] = [];
    const call = callDownstream({ runId: 'r', messageId: 'm-2', sentAt: 10 }, 2, {
      ...semaphore,
      now: () => 40,
      work: async () => undefined,
      recordCompletion: async (c) => void recorded.push(c),
    });
    await expect(call).rejects.toThrow(DownstreamOverloadedError);
    expect(recorded).toEqual([]);
  });
});
