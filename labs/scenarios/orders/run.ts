import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS, type FaultSwitches } from '../../../lambda/orders/faults';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { integerOutput, textOutput } from '../outputs';
import { placeOrders, type PlacedOrder } from './api';
import { followToTerminal } from './follow';
import { plannedOrderIds, type OrderPlan } from './plan';
import { peekOrderMessages } from './queues';
import { readCharges, readStock, seedStock, writeFaults, type ChargeRecord, type OrderRecord, type StockRecord } from './tables';

/**
 * One run of orders through the stack, as every order lab makes it: the outputs it reads, how long it
 * may take, placing the orders and following them to their end, and what is left in the DLQs.
 */

/** Outputs the order labs read; the outage and redrive labs read the same. */
export function ordersResources(session: TargetSession<OrdersOutput>) {
  return {
    apiUrl: textOutput(session, 'ApiUrl'),
    ordersTable: textOutput(session, 'OrdersTableName'),
    chargesTable: textOutput(session, 'ChargesTableName'),
    stockTable: textOutput(session, 'StockTableName'),
    notificationsTable: textOutput(session, 'NotificationsTableName'),
    controlTable: textOutput(session, 'ControlTableName'),
    ledgerTable: textOutput(session, 'LedgerTableName'),
    deadLetterQueues: {
      payment: textOutput(session, 'PaymentDeadLetterQueueUrl'),
      inventory: textOutput(session, 'InventoryDeadLetterQueueUrl'),
      notification: textOutput(session, 'NotificationDeadLetterQueueUrl'),
    },
    poolSize: integerOutput(session, 'PoolSize'),
  };
}

/**
 * How long a run may take: the API placements, then a payment that fails every in-process retry is
 * received up to maxReceiveCount times, each after a doubling visibility timeout (2 + 4 + 8 + 16 + 32 s
 * at most); add the work through pools of `poolSize` and a margin for cold starts.
 */
export function ordersDeadlineMs(orders: number, poolSize: number, crashRedeliveryMs = 0): number {
  return 90_000 + Math.ceil(orders / poolSize) * 200 + crashRedeliveryMs;
}

/** Clients placing orders at once: a bounded load, which the cold intake environments can take. */
export const CLIENTS = 5;

/** What one run placed and read back: the material its observations are made of. */
export interface OrdersRun {
  readonly runId: string;
  readonly plan: OrderPlan;
  readonly placed: readonly PlacedOrder[];
  readonly orders: readonly OrderRecord[];
  readonly charges: readonly ChargeRecord[];
  readonly stock: readonly StockRecord[];
  readonly crashed: readonly string[];
  readonly notified: number;
  readonly deadLettered: number;
  readonly poolSize: number;
  /** When the first order was sent, epoch ms. */
  readonly startedAt: number;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}

/**
 * Seeds the plan's stock, sets the fault switches, places every order through the API (CLIENTS at
 * once), follows them until each is settled or the deadline passes, and reads the charges, stock and
 * dead letters; the switches are turned off again whatever happens.
 */
export async function placeAndFollow(
  session: TargetSession<OrdersOutput>,
  run: { readonly plan: OrderPlan; readonly faults: FaultSwitches; readonly timeoutMs: number },
  ui: Ui,
): Promise<OrdersRun> {
  const resources = ordersResources(session);
  const { dynamodb } = session.clients;
  const { plan, timeoutMs } = run;
  const orderIds = plannedOrderIds(plan);
  await seedStock(dynamodb, resources.stockTable, plan.stock);
  await writeFaults(dynamodb, resources.controlTable, run.faults);
  try {
    const placing = ui.progress('placed orders', plan.orders.length);
    let placedCount = 0;
    const startedAt = Date.now();
    const placed = await placeOrders(resources.apiUrl, plan.orders, {
      concurrency: Math.min(CLIENTS, plan.orders.length),
      onPlaced: () => placing.update((placedCount += 1)),
    });
    placing.stop();
    const followed = await followToTerminal(
      { dynamodb, ordersTable: resources.ordersTable, notificationsTable: resources.notificationsTable },
      orderIds,
      { timeoutMs, ui },
    );
    return {
      runId: plan.runId,
      plan,
      placed,
      orders: [...followed.orders.values()],
      charges: await readCharges(dynamodb, resources.chargesTable, orderIds),
      stock: await readStock(dynamodb, resources.stockTable, Object.keys(plan.stock)),
      crashed: run.faults.paymentCrashAfterCharge,
      notified: followed.notified.size,
      deadLettered: await countDeadLettered(session, Object.values(resources.deadLetterQueues), orderIds),
      poolSize: resources.poolSize,
      startedAt,
      elapsedMs: followed.elapsedMs,
      timeoutMs,
      timedOut: followed.timedOut,
    };
  } finally {
    await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);
  }
}

/** This run's order messages in the dead-letter queues (left there for a redrive). */
export async function countDeadLettered(session: TargetSession<OrdersOutput>, queueUrls: readonly string[], orderIds: readonly string[]): Promise<number> {
  const ours = new Set(orderIds);
  let count = 0;
  for (const url of queueUrls) count += (await peekOrderMessages(session.clients.sqs, url, ours)).length;
  return count;
}
