import { DownstreamOverloadedError, callDownstream, withPermit, type Permit, type SemaphorePorts } from '../../../lambda/delivery/semaphore-core';

/** A semaphore held in memory, like the DynamoDB slots: at most `capacity` leases held, a lease free again once it ran out. */
function memorySemaphore(now: () => number = () => 0): SemaphorePorts & { readonly leases: Map<number, { holder: string; until: number }>; taken: () => number; refused: number } {
  let next = 0;
  const leases = new Map<number, { holder: string; until: number }>();
  const state = {
    leases,
    taken: () => [...leases.values()].filter((lease) => lease.until > now()).length,
    refused: 0,
    async tryAcquire(capacity: number, leaseUntil: number) {
      for (let slot = 0; slot < capacity; slot += 1) {
        const lease = leases.get(slot);
        if (lease !== undefined && lease.until > now()) continue;
        const holder = `h${(next += 1)}`;
        leases.set(slot, { holder, until: leaseUntil });
        return { slot, holder };
      }
      state.refused += 1;
      return undefined;
    },
    async release(permit: Permit) {
      if (leases.get(permit.slot)?.holder === permit.holder) leases.delete(permit.slot);
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
    const results = Array.from({ length: calls }, () => withPermit(capacity, 1_000, semaphore, () => gate).then(() => 'done', (error: unknown) => error));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const settled = await Promise.all(results);

    // THEN
    expect(settled.filter((r) => r === 'done')).toHaveLength(admitted);
    expect(settled.filter((r) => r instanceof DownstreamOverloadedError)).toHaveLength(refused);
    expect(semaphore.taken()).toBe(0);
  });

  it('gives the permit back when the work fails', async () => {
    const semaphore = memorySemaphore();
    await expect(withPermit(1, 1_000, semaphore, async () => Promise.reject(new Error('downstream bug')))).rejects.toThrow(/downstream bug/);
    expect(semaphore.taken()).toBe(0);
  });

  it('says the downstream is overloaded and that the call may be retried', async () => {
    const semaphore = memorySemaphore();
    for (const slot of [0, 1, 2]) semaphore.leases.set(slot, { holder: 'other', until: 1_000 });
    await expect(withPermit(3, 1_000, semaphore, async () => 'never')).rejects.toThrow(/overloaded: all 3 of its permits are taken.*may be retried/);
  });

  it('admits a call again once a killed holder\'s lease ran out, and the late holder\'s return frees nothing', async () => {
    // GIVEN a holder that never gives its permit back (its invocation was killed at its deadline, t = 100)
    let t = 0;
    const semaphore = memorySemaphore(() => t);
    const killed = await semaphore.tryAcquire(1, 100);
    // WHEN a call arrives before and after that deadline
    await expect(withPermit(1, 200, semaphore, async () => 'before')).rejects.toThrow(DownstreamOverloadedError);
    t = 100;
    let during: Permit | undefined;
    const after = withPermit(1, 300, semaphore, async () => {
      // AND the killed holder's late return arrives while the new call holds the slot
      await semaphore.release(killed!);
      during = [...semaphore.leases.entries()].map(([slot, lease]) => ({ slot, holder: lease.holder }))[0];
      return 'after';
    });
    // THEN the call is admitted once the lease ran out, and keeps its slot through the late return
    await expect(after).resolves.toBe('after');
    expect(during?.holder).not.toBe(killed!.holder);
    expect(semaphore.refused).toBe(1);
    expect(semaphore.taken()).toBe(0);
  });
});

describe('withPermit afterWork', () => {
  it('runs what needs no permit while the permit is given back, not after', async () => {
    // GIVEN a return that takes a while
    const semaphore = memorySemaphore();
    const events: string[] = [];
    let finishRelease!: () => void;
    const ports: SemaphorePorts = {
      tryAcquire: (capacity, until) => semaphore.tryAcquire(capacity, until),
      release: async (permit) => {
        events.push('release started');
        await new Promise<void>((resolve) => (finishRelease = resolve));
        await semaphore.release(permit);
        events.push('released');
      },
    };
    // WHEN
    const call = withPermit(1, 1_000, ports, async () => 'result', async (result) => {
      events.push(`after ${result}`);
      finishRelease();
    });
    // THEN afterWork ran before the return finished, and the call waits for both
    await expect(call).resolves.toBe('result');
    expect(events).toEqual(['release started', 'after result', 'released']);
    expect(semaphore.taken()).toBe(0);
  });

  it('gives the permit back and fails the call when afterWork fails', async () => {
    const semaphore = memorySemaphore();
    await expect(withPermit(1, 1_000, semaphore, async () => 'r', async () => Promise.reject(new Error('record lost')))).rejects.toThrow(/record lost/);
    expect(semaphore.taken()).toBe(0);
  });

  it('does not run afterWork when the work fails', async () => {
    const semaphore = memorySemaphore();
    const after = jest.fn(async () => undefined);
    await expect(withPermit(1, 1_000, semaphore, async () => Promise.reject(new Error('bug')), after)).rejects.toThrow(/bug/);
    expect(after).not.toHaveBeenCalled();
    expect(semaphore.taken()).toBe(0);
  });
});

describe('callDownstream', () => {
  it('works and records a call it admits, then gives the permit back', async () => {
    const semaphore = memorySemaphore();
    const recorded: unknown[] = [];
    const completion = await callDownstream({ runId: 'r', messageId: 'm-1', sentAt: 10 }, 3, 2_000, {
      ...semaphore,
      now: () => 40,
      work: async () => expect([...semaphore.leases.values()]).toEqual([{ holder: expect.any(String), until: 2_000 }]),
      recordCompletion: async (c: unknown) => void recorded.push(c),
    });
    expect(completion).toEqual({ runId: 'r', messageId: 'm-1', sentAt: 10, completedAt: 40 });
    expect(recorded).toEqual([completion]);
    expect(semaphore.taken()).toBe(0);
  });

  it('records nothing for a call it refuses', async () => {
    const semaphore = memorySemaphore();
    for (const slot of [0, 1]) semaphore.leases.set(slot, { holder: 'other', until: 1_000 });
    const recorded: unknown[] = [];
    const call = callDownstream({ runId: 'r', messageId: 'm-2', sentAt: 10 }, 2, 2_000, {
      ...semaphore,
      now: () => 40,
      work: async () => undefined,
      recordCompletion: async (c: unknown) => void recorded.push(c),
    });
    await expect(call).rejects.toThrow(DownstreamOverloadedError);
    expect(recorded).toEqual([]);
  });
});
