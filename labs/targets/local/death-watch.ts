/**
 * Remembers the first emulator death and fails with it: `pending` rejects at that moment, so calls
 * raced against it stop waiting; `ensureAlive` fails calls made afterwards.
 */
export class DeathWatch {
  error: Error | undefined;
  readonly pending: Promise<never>;
  private rejectPending: (error: Error) => void = () => undefined;

  constructor() {
    this.pending = new Promise<never>((_resolve, reject) => {
      this.rejectPending = reject;
    });
    // Nobody may be waiting when it happens; the rejection is still delivered to later racers.
    this.pending.catch(() => undefined);
  }

  fail(error: Error): void {
    if (this.error !== undefined) return;
    this.error = error;
    this.rejectPending(error);
  }

  ensureAlive(): void {
    if (this.error !== undefined) throw this.error;
  }

  async guard<T>(call: () => Promise<T>): Promise<T> {
    this.ensureAlive();
    try {
      return await Promise.race([call(), this.pending]);
    } catch (error) {
      // A call cut off by the death may fail (connection reset) before the emulator's exit is seen:
      // wait a moment for it, so the caller learns the cause rather than the symptom.
      if (this.error === undefined && !isServiceResponse(error)) {
        await Promise.race([this.pending, new Promise((resolve) => setTimeout(resolve, DEATH_NOTICE_MS))]).catch(() => undefined);
      }
      throw this.error ?? error;
    }
  }

  /** Puts every call of an SDK client under the watch (`initialize` runs first, before any retry). */
  watchClient(client: GuardableClient): void {
    client.middlewareStack.add((next) => (args) => this.guard(() => next(args)), {
      step: 'initialize',
      name: 'localCloudDeathWatch',
    });
  }
}

/** How long a failed call waits for an emulator's exit to be noticed before failing with its own error. */
const DEATH_NOTICE_MS = 250;

/** An error the service answered with (it has an HTTP status), as opposed to a connection that failed. */
function isServiceResponse(error: unknown): boolean {
  return typeof (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode === 'number';
}

/** The part of an SDK v3 client's middleware stack the watch uses. */
export interface GuardableClient {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}
