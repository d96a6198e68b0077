import { setTimeout as sleep } from 'node:timers/promises';

/** SNS takes up to 15 minutes to apply a new or changed subscription filter policy. */
export const FILTER_PROPAGATION_MS = 15 * 60_000;

/** Time for the lab's waits, replaceable in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/** The minutes after a stack change in which its filter policies may not have applied yet. */
export interface PropagationWindow {
  readonly changedAt: Date;
  /** Epoch milliseconds from which the filters are certain to apply. */
  readonly settlesAt: number;
}

/** The window `now` falls in, or undefined when the stack changed long enough ago (or when is unknown). */
export function filterPropagationWindow(stackChangedAt: Date | undefined, now: number): PropagationWindow | undefined {
  if (stackChangedAt === undefined) return undefined;
  const settlesAt = stackChangedAt.getTime() + FILTER_PROPAGATION_MS;
  return now < settlesAt ? { changedAt: stackChangedAt, settlesAt } : undefined;
}

/** One line telling the student why the lab waits longer than usual. */
export function propagationNotice(stackName: string, window: PropagationWindow, now: number): string {
  const minutesAgo = Math.max(0, Math.floor((now - window.changedAt.getTime()) / 60_000));
  const minutesLeft = Math.ceil((window.settlesAt - now) / 60_000);
  return (
    `stack ${stackName} was created or updated ${minutesAgo} min ago, and SNS takes up to 15 minutes to apply a filter policy: ` +
    `for the next ${minutesLeft} min a run whose deliveries do not match the filters is retried, not judged`
  );
}
