import type { OrdersObservations } from '../scenarios/orders/main';
import type { ServiceObservation } from '../scenarios/orders/services';
import { seconds, shortId } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** The outcome table of `labs orders`: terminal states, charges, stock and e-mails of one run. */
export function renderOrders(o: OrdersObservations & { readonly services?: readonly ServiceObservation[] }, colors: Colors): string {
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
    ...(o.services ? [renderServices(o.services)] : []),
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

const list = (values: readonly number[], unit: string): string => (values.length === 0 ? '-' : `${values.join(', ')} ${unit}`);

/**
 * Per service, what its pool did by the ledger: orders processed, deliveries per worker (the load
 * balancing inside the pool), in-process retries and redeliveries with their waits, and deliveries
 * that found their work already done.
 */
export function renderServices(services: readonly ServiceObservation[]): string {
  const counted = (n: number, expected: number | undefined): string => (expected === undefined ? String(n) : `${n} (expected ${expected})`);
  return [
    'Per service (from the workers\' ledger; unfinished: receives that left no entry, e.g. a cold start past the timeout):',
    renderTable(
      ['service', 'processed', 'deliveries', 'tasks per worker', 'retries', 'retry waits', 'redeliveries', 'visibility delays', 'unfinished', 'repeats'],
      services.map((s) => [
        s.name,
        s.processed,
        s.deliveries,
        s.workers.map((w) => `${shortId(w.id, 8)}: ${w.tasks}`).join(', ') || '-',
        counted(s.retries, s.replayed?.retries ?? s.expected?.retries),
        list(s.retryDelaysMs, 'ms'),
        counted(s.redeliveries, s.expected?.redeliveries),
        list(s.visibilityDelaysSeconds, 's'),
        s.unrecorded,
        s.repeats,
      ]),
    ),
  ].join('\n');
}
