import type { RedriveObservations } from '../scenarios/orders/redrive';
import { seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** `labs orders redrive`: what moved from each DLQ, and how the moved orders ended. */
export function renderRedrive(o: RedriveObservations, colors: Colors): string {
  const lines: string[] = [];
  if (o.filled !== undefined) lines.push(`The DLQs were empty: a payment outage dead-lettered ${o.filled.orders} orders first (run ${o.filled.runId}).`);
  lines.push(renderTable(['DLQ', 'moved back', 'failed'], o.queues.map((q) => [q.name, q.moved, q.failed])));
  if (o.redriven === 0) return [...lines, colors.red('Nothing to redrive.')].join('\n');
  lines.push(
    renderTable(
      ['orders', 'confirmed', 'rejected', 'not terminal', 'charges', 'charged twice', 'e-mails', 'back in a DLQ', 'took'],
      [[o.orders, `${o.confirmed} (expected ${o.expected.confirmed})`, `${o.rejected} (expected ${o.expected.rejected})`, o.pending, o.charges, o.chargedTwice, o.notified, o.leftInDeadLetterQueues, seconds(o.elapsedMs)]],
    ),
  );
  const once = o.unexpected === 0 && o.chargedTwice === 0 && o.heldByRejected === 0 && o.confirmedWithoutStock === 0 && o.confirmed + o.rejected === o.orders;
  lines.push(
    once
      ? 'Every redriven order completed once: one charge at most (refunded if rejected), its stock held only if confirmed, its e-mail once.'
      : colors.red('Not every redriven order completed exactly once: see the failed expectations below.'),
  );
  return lines.join('\n');
}
