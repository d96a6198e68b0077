/**
 * The constrained downstream: a shared resource that admits at most K calls at once and refuses the
 * rest as overloaded. A permit is a lease on one of K slots that expires when its holder's invocation
 * does: a holder that is killed (a timeout, a crash) cannot give it back, and its slot frees itself at
 * the holder's deadline instead of refusing calls forever. This core holds only the order of the steps.
 */
export interface Permit {
  readonly slot: number;
  /** Who holds the slot: only its holder gives it back. */
  readonly holder: string;
}

export interface SemaphorePorts {
  /** Leases a free slot of `capacity` (one whose earlier lease was given back or ran out) until `leaseUntil` (epoch ms); undefined when all are held. */
  tryAcquire(capacity: number, leaseUntil: number): Promise<Permit | undefined>;
  /** Gives the slot back, if this permit still holds it. */
  release(permit: Permit): Promise<void>;
}

export class DownstreamOverloadedError extends Error {
  constructor(capacity: number) {
    super(`the downstream is overloaded: all ${capacity} of its permits are taken; the call is refused and may be retried later`);
    this.name = 'DownstreamOverloadedError';
  }
}

/**
 * Runs `work` holding one of the downstream's `capacity` permits, leased until `leaseUntil` (the caller's
 * own deadline), or throws DownstreamOverloadedError without running it. `afterWork`, what the caller
 * does with the result that needs no permit, runs while the permit is given back.
 */
export async function withPermit<T>(
  capacity: number,
  leaseUntil: number,
  ports: SemaphorePorts,
  work: () => Promise<T>,
  afterWork: (result: T) => Promise<void> = async () => undefined,
): Promise<T> {
  const permit = await ports.tryAcquire(capacity, leaseUntil);
  if (permit === undefined) throw new DownstreamOverloadedError(capacity);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await ports.release(permit);
    throw error;
  }
  const [released, after] = await Promise.allSettled([ports.release(permit), afterWork(result)]);
  for (const settled of [released, after]) if (settled.status === 'rejected') throw settled.reason;
  return result;
}

/** A call the downstream completed, for the lab's processed count and latency. */
export interface Completion {
  readonly runId: string;
  readonly messageId: string;
  readonly sentAt: number;
  readonly completedAt: number;
}

export interface DownstreamPorts extends SemaphorePorts {
  now(): number;
  /** The downstream's own work while the permit is held. */
  work(): Promise<void>;
  recordCompletion(completion: Completion): Promise<void>;
}

/**
 * One call into the downstream: admitted with a permit leased until `deadline` (when the calling
 * invocation times out), worked, then recorded while the permit is given back (the record is the lab's
 * bookkeeping, not the downstream's work); refused as overloaded when K calls are in.
 */
export async function callDownstream(
  message: { readonly runId: string; readonly messageId: string; readonly sentAt: number },
  capacity: number,
  deadline: number,
  ports: DownstreamPorts,
): Promise<Completion> {
  return withPermit(
    capacity,
    deadline,
    ports,
    async (): Promise<Completion> => {
      await ports.work();
      return { runId: message.runId, messageId: message.messageId, sentAt: message.sentAt, completedAt: ports.now() };
    },
    (completion) => ports.recordCompletion(completion),
  );
}
