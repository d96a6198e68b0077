import type { FunctionSpec } from '../model';
import { ExecutionEnvironment, type EnvironmentOptions, type InvocationOutcome } from './execution-environment';

/**
 * Environments one function may run at once locally when nothing in the template bounds it
 * (Lambda's account limit is 1,000; each environment here is a worker thread with its own heap).
 */
export const DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION = 10;

export interface FunctionStats {
  readonly invocations: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly environmentsCreated: number;
  /** Invocations running right now, and the most that ever ran at once. */
  readonly concurrent: number;
  readonly maxConcurrent: number;
  /** HTTP requests the function's environments made to AWS (SDK calls and their retries), by operation. */
  readonly sdkCalls: Readonly<Record<string, number>>;
}

/** What every environment of the pool is created with, and how many there may be at once. */
export interface PoolOptions extends Pick<EnvironmentOptions, 'spec' | 'baseEnvironment' | 'region' | 'onOutput'> {
  readonly maxEnvironments?: number;
}

/**
 * The execution environments of one function: reuses an idle (warm) one, creates a new one (cold
 * start) while under the concurrency limit, otherwise waits its turn. Reserved concurrency caps it.
 */
export class FunctionPool {
  readonly limit: number;
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiters: Array<(environment: ExecutionEnvironment | undefined) => void> = [];
  private active = 0;
  private stopped = false;
  private stats = { invocations: 0, errors: 0, timeouts: 0, environmentsCreated: 0, maxConcurrent: 0 };
  private readonly sdkCalls: Record<string, number> = {};

  constructor(private readonly options: PoolOptions) {
    const reserved = options.spec.reservedConcurrentExecutions;
    const cap = options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION;
    this.limit = reserved === undefined ? cap : Math.min(reserved, cap);
  }

  get spec(): FunctionSpec {
    return this.options.spec;
  }

  async invoke(event: unknown): Promise<InvocationOutcome> {
    if (this.limit === 0) {
      return {
        ok: false,
        requestId: '-',
        error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded. (reserved concurrency is 0)', trace: [] },
      };
    }
    const environment = await this.acquire();
    if (environment === undefined) {
      throw new Error(`the runtime is stopped: cannot invoke ${this.options.spec.functionName}`);
    }
    this.stats.invocations += 1;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.active);
    try {
      const outcome = await environment.invoke(event);
      if (!outcome.ok) {
        this.stats.errors += 1;
        if (outcome.error.errorType === 'Sandbox.Timedout') this.stats.timeouts += 1;
      }
      return outcome;
    } finally {
      this.release(environment);
    }
  }

  /**
   * Invokes only when an environment is free right now (a warm one, or a new one under the limit);
   * otherwise `undefined`: the invocation is throttled, as Lambda answers 429 when the function has no
   * concurrency left. Asynchronous invocations are throttled; synchronous callers and pollers wait.
   */
  tryInvoke(event: unknown): Promise<InvocationOutcome> | undefined {
    if (this.stopped || (this.idle.length === 0 && this.active >= this.limit)) return undefined;
    return this.invoke(event);
  }

  snapshot(): FunctionStats {
    return { ...this.stats, concurrent: this.active, sdkCalls: { ...this.sdkCalls } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    const environments = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(environments.map((environment) => environment.terminate()));
  }

  private async acquire(): Promise<ExecutionEnvironment | undefined> {
    if (this.stopped) return undefined;
    const warm = this.idle.pop();
    if (warm !== undefined) {
      this.active += 1;
      return warm;
    }
    if (this.active < this.limit) {
      this.active += 1;
      return this.create();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(environment: ExecutionEnvironment): void {
    if (this.stopped) {
      this.active -= 1;
      void environment.terminate();
      return;
    }
    const next = this.waiters.shift();
    if (!environment.alive) {
      this.all.delete(environment);
      if (next !== undefined) {
        // The slot passes straight to the waiter, with a fresh environment.
        next(this.create());
      } else {
        this.active -= 1;
      }
      return;
    }
    if (next !== undefined) {
      next(environment);
    } else {
      this.active -= 1;
      this.idle.push(environment);
    }
  }

  private create(): ExecutionEnvironment {
    const { spec, baseEnvironment, region, onOutput } = this.options;
    const environment = new ExecutionEnvironment({
      spec,
      baseEnvironment,
      region,
      onOutput,
      onSdkCall: (operation) => {
        this.sdkCalls[operation] = (this.sdkCalls[operation] ?? 0) + 1;
      },
    });
    this.all.add(environment);
    this.stats.environmentsCreated += 1;
    return environment;
  }
}
