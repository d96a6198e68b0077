import type { DedupObservations } from '../scenarios/delivery-dedup';
import type { GuaranteesObservations } from '../scenarios/delivery-guarantees';
import { seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

const LESSONS: Readonly<Record<string, string>> = {
  'at-most-once': 'acknowledged before the effect: a crash in between lost the message',
  'at-least-once': 'effect before the acknowledgement: a crash in between redelivered it and the effect happened twice',
  'effectively-once': 'a conditional write keyed by the message id: the redelivery changed nothing',
};

export function renderGuarantees(o: GuaranteesObservations, colors: Colors): string {
  return [
    renderTable(
      ['mode', 'sent', 'crashes', 'effect never', 'once', 'more than once', 'why'],
      o.modes.map((m) => [m.mode, m.sent, m.crashes, m.never, m.once, m.moreThanOnce, LESSONS[m.mode] ?? '']),
    ),
    o.timedOut
      ? colors.red(`The ack queue had not drained after ${seconds(o.elapsedMs)}.`)
      : `Every message was acknowledged within ${seconds(o.elapsedMs)} (crashed deliveries came back after the ${o.visibilityTimeoutSeconds} s visibility timeout).`,
  ].join('\n');
}

export function renderDedup(o: DedupObservations, colors: Colors): string {
  return [
    renderTable(
      ['queue', 'sent (with the retry)', 'delivered', 'deduplicated'],
      [
        ['standard', o.standard.sent, o.standard.received, o.standard.deduplicated],
        ['FIFO', o.fifo.sent, o.fifo.received, o.fifo.deduplicated],
      ],
    ),
    o.timedOut
      ? colors.red(`The queues had not drained after ${seconds(o.elapsedMs)}.`)
      : 'The FIFO queue accepted each retry and dropped it: same deduplication id within 5 minutes. The standard queue has no deduplication: both copies were processed.',
  ].join('\n');
}
