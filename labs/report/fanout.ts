import type { FanoutObservations } from '../scenarios/fanout';
import { mark } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderFanout(o: FanoutObservations, colors: Colors): string {
  const orders = renderTable(
    ['order', 'amount', ...o.queues.map((q) => q.name)],
    o.orders.map((order) => [
      order.orderId,
      order.amount.toFixed(2),
      ...o.queues.map((q) => (q.orderIds.includes(order.orderId) ? '✓' : '·')),
    ]),
  );
  const queues = renderTable(
    ['queue', 'subscription filter', 'received', 'expected', 'DLQ depth', ''],
    o.queues.map((q) => [q.name, q.filter, q.received, q.expected, q.deadLetterDepth, mark(colors, q.received === q.expected && q.unexpected === 0)]),
  );
  return [
    `Published ${o.orders.length} orders in ${o.publishCalls} PublishBatch call(s); each subscribed queue gets its own copy.`,
    orders,
    queues,
    o.queues.every((q) => q.received === q.expected && q.unexpected === 0)
      ? `Every queue received its copy independently; the notification subscription's filter dropped orders below ${o.minAmount}.`
      : colors.red('Not every queue received what its subscription admits in this run: see the failed expectations below.'),
  ].join('\n');
}
