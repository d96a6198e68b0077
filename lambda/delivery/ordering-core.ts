import type { SequencedMessage } from './schema';

/** Thrown for a poisoned message on every delivery, so it ends in the dead-letter queue. */
export class PoisonMessageError extends Error {
  constructor(message: SequencedMessage) {
    super(`message ${message.seq} of group ${message.group} is poisoned: it fails on every delivery until it is dead-lettered`);
    this.name = 'PoisonMessageError';
  }
}

/** One processed message of a group, with when its processing began and ended (epoch ms). */
export interface Arrival {
  readonly runId: string;
  readonly group: string;
  readonly seq: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Where the ordering consumer records what it processed, in the order it did; `work` stands for the processing itself. */
export interface OrderingPorts {
  now(): number;
  work(): Promise<void>;
  recordArrival(arrival: Arrival): Promise<void>;
}

/** One delivery: a poisoned message fails; any other is worked and recorded with its processing interval. */
export async function receiveSequenced(message: SequencedMessage, ports: OrderingPorts): Promise<Arrival> {
  if (message.poison) throw new PoisonMessageError(message);
  const startedAt = ports.now();
  await ports.work();
  const arrival = { runId: message.runId, group: message.group, seq: message.seq, startedAt, endedAt: ports.now() };
  await ports.recordArrival(arrival);
  return arrival;
}

/** The most groups whose processing intervals overlapped at one instant (parallelism across groups). */
export function maxGroupsInFlight(arrivals: ReadonlyArray<Pick<Arrival, 'group' | 'startedAt' | 'endedAt'>>): number {
  const edges = arrivals.flatMap((a) => [
    { at: a.startedAt, group: a.group, delta: 1 },
    { at: a.endedAt, group: a.group, delta: -1 },
  ]);
  // An interval ending at the instant another starts does not overlap it.
  edges.sort((x, y) => x.at - y.at || x.delta - y.delta);
  const running = new Map<string, number>();
  let most = 0;
  for (const edge of edges) {
    const count = (running.get(edge.group) ?? 0) + edge.delta;
    if (count === 0) running.delete(edge.group);
    else running.set(edge.group, count);
    most = Math.max(most, running.size);
  }
  return most;
}

/**
 * Order violations per group in the order messages were processed: each arrival whose sequence number
 * is lower than one already seen in its group (a message overtaken by a later one).
 */
export function orderViolations(arrivals: ReadonlyArray<Pick<SequencedMessage, 'group' | 'seq'>>): Map<string, number> {
  const highest = new Map<string, number>();
  const violations = new Map<string, number>();
  for (const { group, seq } of arrivals) {
    const seen = highest.get(group);
    if (!violations.has(group)) violations.set(group, 0);
    if (seen !== undefined && seq < seen) violations.set(group, (violations.get(group) ?? 0) + 1);
    else highest.set(group, seq);
  }
  return violations;
}

/**
 * The groups that stood still while they still had messages to deliver: a gap of at least `gapMs`
 * between two consecutive processing starts of the group (a poisoned message waiting out its
 * visibility timeouts holds back a FIFO group by that long; a concurrent pool's jitter never does).
 */
export function blockedGroups(arrivals: ReadonlyArray<Pick<Arrival, 'group' | 'startedAt'>>, gapMs: number): string[] {
  const starts = new Map<string, number[]>();
  for (const { group, startedAt } of arrivals) starts.set(group, [...(starts.get(group) ?? []), startedAt]);
  return [...starts]
    .filter(([, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return sorted.some((at, index) => index > 0 && at - (sorted[index - 1] as number) >= gapMs);
    })
    .map(([group]) => group)
    .sort();
}
