import type { SequencedMessage } from './schema';

/** Thrown for a poisoned message on every delivery, so it ends in the dead-letter queue. */
export class PoisonMessageError extends Error {
  constructor(message: SequencedMessage) {
    super(`message ${message.seq} of group ${message.group} is poisoned: it fails on every delivery until it is dead-lettered`);
    this.name = 'PoisonMessageError';
  }
}

/** Where the ordering consumer records what it saw, in the order it saw it. */
export interface OrderingPorts {
  recordArrival(message: SequencedMessage): Promise<void>;
}

/** One delivery: a poisoned message fails; any other is recorded with its arrival. */
export async function receiveSequenced(message: SequencedMessage, ports: OrderingPorts): Promise<void> {
  if (message.poison) throw new PoisonMessageError(message);
  await ports.recordArrival(message);
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
