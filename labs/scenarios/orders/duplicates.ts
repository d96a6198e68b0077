import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { NO_FAULTS } from '../../../lambda/orders/faults';
import { ORDER_SERVICES, type OrderService } from '../../../lambda/orders/ledger';
import { orderPlacedMessage, orderPlacedSchema } from '../../../lambda/orders/schemas';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { sendMessageBatches } from '../batching';
import { textOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { placeOrders, type PlacedOrder } from './api';
import { followToTerminal } from './follow';
import { ordersObservationsOf, ordersVerdict, type OrdersObservations } from './main';
import { CLIENTS, countDeadLettered, ordersDeadlineMs, ordersResources } from './run';
import { planOrders, plannedOrderIds } from './plan';
import { isRepeat, readLedger, type LedgerRecord } from './services';
import { batchGet, readCharges, readStock, seedStock, writeFaults } from './tables';

export interface DuplicatesOptions {
  readonly orders: number;
  /** Requests each client sends again with the same Idempotency-Key after its order was accepted. */
  readonly clientRetries: number;
}

/** Per service: the copies of OrderPlaced its pool finished, and those that found their work done. */
export interface ServiceCopies {
  readonly name: OrderService;
  readonly redelivered: number;
  /** Orders both of whose copies were finished (deleted from the queue). */
  readonly processedTwice: number;
  /** Copies whose delivery found the charge made or the e-mail sent (payment, notification). */
  readonly repeats: number;
}

export interface DuplicatesObservations extends OrdersObservations {
  readonly clientRetries: number;
  /** Retried requests answered 201 with the order id of the first answer. */
  readonly sameAnswers: number;
  /** Distinct order ids in all the API's answers. */
  readonly distinctOrderIds: number;
  readonly services: readonly ServiceCopies[];
  /** Charges, reservations and e-mails beyond one per order (from the tables and the ledger). */
  readonly secondEffects: { readonly charges: number; readonly reservations: number; readonly emails: number };
}

/** What the client retries answered: how many gave back the first answer, and how many order ids there are. */
export function retryAnswers(first: readonly PlacedOrder[], retried: readonly (readonly PlacedOrder[])[]): { sameAnswers: number; distinctOrderIds: number } {
  const firstIds = new Map(first.map((p) => [p.key, p.orderId]));
  const all = [...first, ...retried.flat()];
  return {
    sameAnswers: retried.flat().filter((p) => p.status === 201 && p.orderId !== undefined && p.orderId === firstIds.get(p.key)).length,
    distinctOrderIds: new Set(all.map((p) => p.orderId).filter((id) => id !== undefined)).size,
  };
}

/** Per service, from the ledger after the redelivery: each order's two copies finished, and the repeats. */
export function serviceCopies(records: readonly LedgerRecord[], redelivered: number): ServiceCopies[] {
  return ORDER_SERVICES.map((name) => {
    const mine = records.filter((r) => r.service === name);
    return {
      name,
      redelivered,
      processedTwice: mine.filter((r) => r.deliveries.filter((d) => d.outcome === 'done').length >= 2).length,
      repeats: mine.flatMap((r) => r.deliveries).filter((d) => d.outcome === 'done' && isRepeat(d.effect)).length,
    };
  });
}

/**
 * The verdict of `labs orders duplicates`: the orders end as without duplicates (the `labs orders`
 * verdict), every retry got the first answer, every copy was processed, and none had a second effect.
 */
export function duplicatesVerdict(o: DuplicatesObservations): Verdict {
  const failures = [...ordersVerdict(o).failures];
  if (o.sameAnswers !== o.clientRetries) failures.push(`${o.sameAnswers} of ${o.clientRetries} retried request(s) got the first answer back`);
  if (o.distinctOrderIds !== o.orders) failures.push(`the API answered with ${o.distinctOrderIds} order id(s) for ${o.orders} order(s)`);
  for (const s of o.services) {
    if (s.processedTwice !== s.redelivered) failures.push(`the ${s.name} pool finished both copies of ${s.processedTwice} of ${s.redelivered} redelivered order(s)`);
    // Payment's copy reaches the provider, which answers from its ledger; notification's finds the e-mail.
    if (s.name !== 'inventory' && s.repeats !== s.redelivered) failures.push(`${s.repeats} ${s.name} cop(ies) found the work done, expected ${s.redelivered}`);
  }
  const { charges, reservations, emails } = o.secondEffects;
  if (charges + reservations + emails > 0) failures.push(`second effects: ${charges} charge(s), ${reservations} reserved unit(s), ${emails} e-mail(s)`);
  return verdictOf(failures);
}

/** How long the lab waits for the pools to finish the redelivered copies. */
const COPIES_TIMEOUT_MS = 60_000;

/**
 * Places the orders, retries every request with the same Idempotency-Key, follows the orders to their
 * end, then sends each order's OrderPlaced again into every service queue (the same body and
 * attributes the intake published), and counts what the copies did.
 */
export async function runDuplicates(session: TargetSession<OrdersOutput>, options: DuplicatesOptions, ui: Ui): Promise<DuplicatesObservations> {
  const resources = ordersResources(session);
  const queues: Record<OrderService, string> = {
    payment: textOutput(session, 'PaymentQueueUrl'),
    inventory: textOutput(session, 'InventoryQueueUrl'),
    notification: textOutput(session, 'NotificationQueueUrl'),
  };
  const { dynamodb, sqs } = session.clients;
  const runId = newRunId();
  const plan = planOrders(runId, options.orders);
  const orderIds = plannedOrderIds(plan);
  const timeoutMs = ordersDeadlineMs(options.orders, resources.poolSize);
  await seedStock(dynamodb, resources.stockTable, plan.stock);
  await writeFaults(dynamodb, resources.controlTable, NO_FAULTS);

  ui.log(`placing ${plan.orders.length} orders through ${resources.apiUrl} (run ${runId}), then ${options.clientRetries} more request(s) per order with the same Idempotency-Key`);
  const concurrency = Math.min(CLIENTS, plan.orders.length);
  const placed = await placeOrders(resources.apiUrl, plan.orders, { concurrency });
  const retried: PlacedOrder[][] = [];
  for (let i = 0; i < options.clientRetries; i += 1) retried.push(await placeOrders(resources.apiUrl, plan.orders, { concurrency }));
  const tables = { dynamodb, ordersTable: resources.ordersTable, notificationsTable: resources.notificationsTable };
  await followToTerminal(tables, orderIds, { timeoutMs, ui });
  const before = await readLedger(dynamodb, resources.ledgerTable, orderIds);

  // The copies: each order's event exactly as published, read back from the order the intake stored.
  const events = (await batchGet(dynamodb, resources.ordersTable, 'orderId', orderIds)).map((item) => orderPlacedMessage(orderPlacedSchema.parse(item)));
  ui.log(`sending ${events.length} OrderPlaced copies into each of the payment, inventory and notification queues`);
  for (const service of ORDER_SERVICES) {
    await sendMessageBatches(sqs, queues[service], events.map((e) => e.body), events.map((e) => e.attributes));
  }
  const copiesDone = (records: readonly LedgerRecord[]): number =>
    serviceCopies(records, events.length).reduce((sum, s) => sum + s.processedTwice, 0);
  const progress = ui.progress('copies processed', events.length * ORDER_SERVICES.length);
  let records = before;
  const waited = await pollUntil({
    timeoutMs: COPIES_TIMEOUT_MS,
    intervalMs: 250,
    poll: async () => {
      records = await readLedger(dynamodb, resources.ledgerTable, orderIds);
      return copiesDone(records);
    },
    done: (n) => n === events.length * ORDER_SERVICES.length,
    onState: (n) => progress.update(n),
  });
  progress.stop();

  const followed = await followToTerminal(tables, orderIds, { timeoutMs, ui, label: 'orders after the copies' });
  const observations = ordersObservationsOf({
    runId,
    plan,
    options: { orders: options.orders, paymentFailureRate: 0 },
    placed,
    orders: [...followed.orders.values()],
    charges: await readCharges(dynamodb, resources.chargesTable, orderIds),
    stock: await readStock(dynamodb, resources.stockTable, Object.keys(plan.stock)),
    notified: followed.notified.size,
    deadLettered: await countDeadLettered(session, Object.values(resources.deadLetterQueues), orderIds),
    poolSize: resources.poolSize,
    elapsedMs: followed.elapsedMs + waited.elapsedMs,
    timeoutMs,
    timedOut: followed.timedOut || waited.timedOut,
  });
  const services = serviceCopies(records, events.length);
  return {
    ...observations,
    clientRetries: options.clientRetries * plan.orders.length,
    ...retryAnswers(placed, retried),
    services,
    secondEffects: secondEffects(observations, services),
  };
}

/**
 * Effects beyond one per order: standing charges beyond the confirmed orders, units held beyond the
 * confirmed orders' two each, e-mail copies that did not find the first e-mail.
 */
export function secondEffects(o: OrdersObservations, services: readonly ServiceCopies[]): DuplicatesObservations['secondEffects'] {
  const notification = services.find((s) => s.name === 'notification');
  return {
    charges: Math.max(0, o.charges - o.confirmed),
    reservations: Math.max(0, o.stock.reserved - o.stock.released - o.confirmed * 2) + Math.max(0, o.stock.initial - o.stock.final - o.confirmed * 2),
    emails: notification ? notification.redelivered - notification.repeats : 0,
  };
}
