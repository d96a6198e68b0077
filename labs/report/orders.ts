import type { OrdersObservations } from '../scenarios/orders/main';
import { seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** The outcome table of `labs orders`: terminal states, charges, stock and e-mails of one run. */
export function renderOrders(o: OrdersObservations, colors: Colors): string {
  const lines = [
    renderTable(
      ['orders', 'accepted', 'confirmed', 'rejected', 'not terminal', 'dead-lettered', 'charges', 'refunds', 'e-mails', 'took'],
      [[o.orders, o.accepted, `${o.confirmed} (expected ${o.expected.confirmed})`, `${o.rejected} (expected ${o.expected.rejected})`, o.pending, o.deadLettered, o.charges, o.refunds, o.notified, seconds(o.elapsedMs)]],
    ),
    'Rejections:',
    ...(Object.keys(o.rejections).length > 0 ? Object.entries(o.rejections).map(([reason, n]) => `  ${n} x ${reason}`) : ['  none']),
    renderTable(
      ['stock', 'initial', 'reserved', 'released', 'final', 'went negative'],
      [['units', o.stock.initial, o.stock.reserved, o.stock.released, o.stock.final, o.stock.wentNegative]],
    ),
    `Accepted -> terminal: p50 ${o.latencyMs.p50} ms, p99 ${o.latencyMs.p99} ms (${o.clientRequests} API request(s) for ${o.orders} orders).`,
    ...(o.crashes.orders > 0
      ? [
          `Crashed after the charge: ${o.crashes.orders} order(s), ${o.crashes.redelivered} redelivered; the provider answered them ${o.crashes.providerCalls} times and holds ${o.crashes.charges} charge(s) for them (${o.providerCalls} provider calls answered in all).`,
        ]
      : []),
  ];
  const exact =
    o.confirmed + o.rejected === o.orders && o.charges === o.confirmed && o.heldByRejected === 0 && !o.stock.wentNegative && o.deadLettered === 0;
  lines.push(
    exact
      ? 'Every order ended in one terminal state; each confirmed order holds one charge and its stock, each rejected one neither.'
      : colors.red('Not every order ended exactly once with its charge and stock: see the failed expectations below.'),
  );
  return lines.join('\n');
}
