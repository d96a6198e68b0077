import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ui } from '../../report/ui';
import { decide } from '../../../lambda/orders/saga';
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
 * Terminal, with both sides' answers recorded and nothing left to undo. A worker writes REJECTED
 * before it compensates, and the other side may answer after the order ended (its worker then undoes
 * it), so a terminal order may still hold stock or a charge for a moment; a count read then is wrong.
 */
export function isSettled(order: OrderRecord | undefined): boolean {
  if (!isTerminal(order) || order!.payment === undefined || order!.inventory === undefined) return false;
  return decide(order!).compensations.length === 0;
}

/**
 * Reads the orders until every one is settled (terminal, both sides answered, nothing left to undo)
 * and has its e-mail, or the deadline passes; a progress bar follows the terminal count.
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
      const open = orderIds.filter((id) => !isSettled(orders.get(id)));
      for (const order of await readOrders(tables.dynamodb, tables.ordersTable, open)) orders.set(order.orderId, order);
      const unnotified = orderIds.filter((id) => !notified.has(id));
      for (const id of await readNotifications(tables.dynamodb, tables.notificationsTable, unnotified)) notified.add(id);
      return { terminal: terminal(), settled: orderIds.filter((id) => isSettled(orders.get(id))).length, notified: notified.size };
    },
    done: (s) => s.settled === orderIds.length && s.notified === orderIds.length,
    onState: (s) => progress.update(s.terminal, `${s.notified} e-mailed`),
  });
  progress.stop();
  // A last read of every order: a terminal state written twice would show here as a changed record.
  for (const order of await readOrders(tables.dynamodb, tables.ordersTable, orderIds)) orders.set(order.orderId, order);
  return { orders, notified, timedOut, elapsedMs };
}
