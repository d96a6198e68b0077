import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ui } from '../../report/ui';
import { pollUntil } from '../polling';
import { readNotifications, readOrders, type OrderRecord } from './tables';

export interface FollowTables {
  readonly dynamodb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly notificationsTable: string;
}

export interface Followed {
  /** Every order's last state read, by order id. */
  readonly orders: ReadonlyMap<string, OrderRecord>;
  /** Orders whose e-mail the notification pool recorded. */
  readonly notified: ReadonlySet<string>;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

export const isTerminal = (order: OrderRecord | undefined): boolean => order !== undefined && order.status !== 'PLACED';

/**
 * Reads the orders until every one is terminal (CONFIRMED or REJECTED) and has its e-mail, or the
 * deadline passes; a progress bar follows the terminal count. `settled` may ask for more before the
 * wait ends (for example, that the dead-letter queues were read).
 */
export async function followToTerminal(
  tables: FollowTables,
  orderIds: readonly string[],
  options: { readonly timeoutMs: number; readonly ui: Ui; readonly intervalMs?: number; readonly label?: string },
): Promise<Followed> {
  const orders = new Map<string, OrderRecord>();
  const notified = new Set<string>();
  const progress = options.ui.progress(options.label ?? 'terminal orders', orderIds.length);
  const terminal = (): number => orderIds.filter((id) => isTerminal(orders.get(id))).length;
  const { timedOut, elapsedMs } = await pollUntil({
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 250,
    poll: async () => {
      const open = orderIds.filter((id) => !isTerminal(orders.get(id)));
      for (const order of await readOrders(tables.dynamodb, tables.ordersTable, open)) orders.set(order.orderId, order);
      const unnotified = orderIds.filter((id) => !notified.has(id));
      for (const id of await readNotifications(tables.dynamodb, tables.notificationsTable, unnotified)) notified.add(id);
      return { terminal: terminal(), notified: notified.size };
    },
    done: (s) => s.terminal === orderIds.length && s.notified === orderIds.length,
    onState: (s) => progress.update(s.terminal, `${s.notified} e-mailed`),
  });
  progress.stop();
  // A last read of every order: a terminal state written twice would show here as a changed record.
  for (const order of await readOrders(tables.dynamodb, tables.ordersTable, orderIds)) orders.set(order.orderId, order);
  return { orders, notified, timedOut, elapsedMs };
}
