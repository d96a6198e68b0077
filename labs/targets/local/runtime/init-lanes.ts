import { availableParallelism } from 'node:os';

/**
 * How many INIT phases run at once on this machine. On Lambda every environment has a CPU of its own,
 * so ten cold starts take as long as one; here they share the machine's cores, and ten INITs started
 * together would each take ten times as long (and pass Lambda's 10 s INIT limit on a busy machine,
 * where every first invocation then runs INIT again within the function timeout and times out). INITs
 * beyond the lanes wait their turn, first come first served; an INIT's duration (and its limit)
 * starts when it runs.
 */
export class InitLanes {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly lanes: number) {
    if (!Number.isInteger(lanes) || lanes < 1) throw new Error(`INIT lanes must be a positive integer, got ${lanes}`);
  }

  /** Runs `init` in a free lane, once one is free. */
  async run<T>(init: () => Promise<T>): Promise<T> {
    if (this.running >= this.lanes) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await init();
    } finally {
      // The lane passes straight to the next waiting INIT, or frees.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running -= 1;
    }
  }

  /** INITs waiting for a lane. */
  get queued(): number {
    return this.waiting.length;
  }
}

/** The lanes of this process's runtime: one per core the process may use. */
export const MACHINE_INIT_LANES = new InitLanes(Math.max(1, availableParallelism()));
