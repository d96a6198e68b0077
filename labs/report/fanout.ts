import { queueHolds, type FanoutObservations } from '../scenarios/fanout';
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
    ['queue', 'subscription filter', 'received', 'expected', 'DLQ depth', 'SNS gave up', ''],
    o.queues.map((q) => [q.name, q.filter, q.received, q.expected, q.deadLetterDepth, q.subscriptionDeadLetterDepth, mark(colors, queueHolds(q))]),
  );
  const retried =
    o.attempts > 1
      ? [`Run ${o.attempts} of this lab is the one shown: the earlier ones started while the filter policy could still be propagating (until ${o.filterPropagatingUntil}).`]
      : [];
  return [
    `Published ${o.orders.length} orders in ${o.publishCalls} PublishBatch call(s); each subscribed queue gets its own copy.`,
    orders,
    queues,
    'SNS gave up: deliveries SNS could not make and dead-lettered to the subscription\'s own queue (expected 0).',
    ...retried,
    o.queues.every(queueHolds)
      ? `Every queue received its copy independently; the notification subscription's filter dropped orders below ${o.minAmount}.`
      : colors.red('Not every queue received what its subscription admits in this run: see the failed expectations below.'),
  ].join('\n');
}
