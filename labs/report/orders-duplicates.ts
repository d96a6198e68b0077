import type { DuplicatesObservations } from '../scenarios/orders/duplicates';
import type { Colors } from './style';
import { renderTable } from './table';

/** `labs orders duplicates`: the client retries' answers, each service's copies, and the effects counted once. */
export function renderDuplicates(o: DuplicatesObservations, colors: Colors): string {
  const { charges, reservations, emails } = o.secondEffects;
  const clean = charges + reservations + emails === 0 && o.sameAnswers === o.clientRetries && o.distinctOrderIds === o.orders;
  return [
    `${o.orders} orders, ${o.clientRetries} retried request(s) with the same Idempotency-Key: ${o.sameAnswers} got the first answer back, ${o.distinctOrderIds} order id(s) in all the answers.`,
    renderTable(
      ['service', 'copies sent', 'orders processed twice', 'copies that found the work done'],
      o.services.map((s) => [s.name, s.redelivered, s.processedTwice, s.name === 'inventory' ? '(stock holders)' : s.repeats]),
    ),
    renderTable(
      ['orders', 'confirmed', 'rejected', 'standing charges', 'stock initial', 'reserved', 'released', 'final', 'e-mails'],
      [[o.orders, o.confirmed, o.rejected, o.charges, o.stock.initial, o.stock.reserved, o.stock.released, o.stock.final, o.notified]],
    ),
    clean
      ? 'No second order, charge, reservation or e-mail: every duplicate found its work done.'
      : colors.red(`Second effects: ${charges} charge(s), ${reservations} reserved unit(s), ${emails} e-mail(s); see the failed expectations below.`),
  ].join('\n');
}
