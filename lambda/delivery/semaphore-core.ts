/**
 * The constrained downstream: a shared resource that admits at most K calls at once and refuses the
 * rest as overloaded. The permit count lives in one DynamoDB item, taken with a conditional increment
 * and given back with a decrement; this core holds only the order of those steps.
 */
export interface SemaphorePorts {
  /** Takes one permit if fewer than `capacity` are taken (a conditional increment); false when full. */
  tryAcquire(capacity: number): Promise<boolean>;
  /** Gives the permit back (a decrement). */
  release(): Promise<void>;
}

export class DownstreamOverloadedError extends Error {
  constructor(capacity: number) {
    super(`the downstream is overloaded: all ${capacity} of its permits are taken; the call is refused and may be retried later`);
    this.name = 'DownstreamOverloadedError';
  }
}

/** Runs `work` holding one of the downstream's `capacity` permits, or throws DownstreamOverloadedError without running it. */
export async function withPermit<T>(capacity: number, ports: SemaphorePorts, work: () => Promise<T>): Promise<T> {
  if (!(await ports.tryAcquire(capacity))) throw new DownstreamOverloadedError(capacity);
  try {
    return await work();
  } finally {
    await ports.release();
  }
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

/** One call into the downstream: admitted with a permit, worked, recorded; refused as overloaded when K calls are in. */
export async function callDownstream(
  message: { readonly runId: string; readonly messageId: string; readonly sentAt: number },
  capacity: number,
  ports: DownstreamPorts,
): Promise<Completion> {
  return withPermit(capacity, ports, async () => {
    await ports.work();
    const completion = { runId: message.runId, messageId: message.messageId, sentAt: message.sentAt, completedAt: ports.now() };
    await ports.recordCompletion(completion);
    return completion;
  });
}
