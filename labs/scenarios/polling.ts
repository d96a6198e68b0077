import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions<S> {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  poll(): Promise<S>;
  done(state: S): boolean;
  onState?(state: S): void;
  readonly now?: () => number;
}

export interface PollResult<S> {
  readonly state: S;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

/** Observes until the expected state or the deadline; a lab never waits forever. */
export async function pollUntil<S>(options: PollOptions<S>): Promise<PollResult<S>> {
  const now = options.now ?? Date.now;
  const start = now();
  for (;;) {
    const state = await options.poll();
    options.onState?.(state);
    const elapsedMs = now() - start;
    if (options.done(state)) return { state, timedOut: false, elapsedMs };
    if (elapsedMs >= options.timeoutMs) return { state, timedOut: true, elapsedMs };
    await sleep(options.intervalMs);
  }
}

/** A short random id that tags everything one lab run sends, so it observes only its own messages. */
export function newRunId(): string {
  return crypto.randomUUID().slice(0, 8);
}
