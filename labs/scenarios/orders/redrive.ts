import { ReceiveMessageCommand, SendMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { providerCallsItemId, providerCallsOf } from '../../../lambda/orders/breaker-record';
import { DECLINE_ABOVE_CENTS } from '../../../lambda/orders/provider';
import type { Ui } from '../../report/ui';
import type { TargetSession } from '../../targets/target';
import { deleteMessages, releaseMessages, SQS_BATCH_ENTRIES } from '../batching';
import { UsageError, verdictOf, type Verdict } from '../scenario';
import { queueCounts, SERVICES, type ServiceName } from './depths';
import { followToTerminal } from './follow';
import { ordersDeadlineMs, ordersResources } from './run';
import { paymentOutageVerdict, runPaymentOutage } from './payment-outage';
import { orderIdOfMessage, peekOrderMessages } from './queues';
import { batchGet, readCharges, readStock, type OrderRecord } from './tables';

export const REDRIVE_CHOICES = [...SERVICES, 'all'] as const;

/** The `--queue` of `labs orders redrive`: one service's DLQ, or all three. */
export function redriveQueuesOption(text: string): ServiceName[] {
  if (text === 'all') return [...SERVICES];
  if ((SERVICES as readonly string[]).includes(text)) return [text as ServiceName];
  throw new UsageError(`--queue must be one of ${REDRIVE_CHOICES.join(', ')}, but '${text}' was given`);
}

/** How long a message the redrive received stays hidden from anyone else while it is moved. */
const MOVE_VISIBILITY_SECONDS = 60;

/**
 * Moves every message of a dead-letter queue back to its source queue, as SQS's StartMessageMoveTask
 * would (which the local SQS does not serve, so both targets take this path): receive a batch, send
 * each message's body and attributes to the source queue, delete from the DLQ only what was sent. A
 * message whose send failed is made visible in the DLQ again: nothing is lost, at worst one is moved
 * twice (the workers are idempotent). Each received message stays hidden while the loop runs, so every
 * message is moved once and the loop ends.
 */
export async function moveDeadLetters(sqs: SQSClient, fromUrl: string, toUrl: string): Promise<{ readonly moved: Message[]; readonly failed: number }> {
  const moved: Message[] = [];
  const failed: Message[] = [];
  for (;;) {
    const batch =
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: fromUrl, MaxNumberOfMessages: SQS_BATCH_ENTRIES, WaitTimeSeconds: 0, VisibilityTimeout: MOVE_VISIBILITY_SECONDS, MessageAttributeNames: ['All'] }),
        )
      ).Messages ?? [];
    if (batch.length === 0) break;
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: toUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '', ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}) })),
      }),
    );
    const notSent = new Set((response.Failed ?? []).map((f) => f.Id));
    const sent = batch.filter((_, i) => !notSent.has(String(i)));
    await deleteMessages(sqs, fromUrl, sent);
    moved.push(...sent);
    failed.push(...batch.filter((_, i) => notSent.has(String(i))));
  }
  await releaseMessages(sqs, fromUrl, failed);
  return { moved, failed: failed.length };
}

/**
 * What a redriven order must end as, from its item before the redrive: rejected if inventory refused it
 * or its amount is over the provider's limit, confirmed if inventory holds its stock; undefined while
 * inventory has not answered (its own redrive decides).
 */
export function expectedEnd(item: Readonly<Record<string, unknown>>): 'CONFIRMED' | 'REJECTED' | undefined {
  if (item['inventory'] === 'REFUSED' || Number(item['amountCents']) > DECLINE_ABOVE_CENTS) return 'REJECTED';
  return item['inventory'] === 'RESERVED' ? 'CONFIRMED' : undefined;
}

export interface RedriveOptions {
  readonly queues: readonly ServiceName[];
  /** Orders to dead-letter first with a payment outage when the chosen DLQs are empty (0: none). */
  readonly orders: number;
}

export interface RedriveObservations {
  readonly queues: readonly { readonly name: ServiceName; readonly moved: number; readonly failed: number }[];
  /** The payment outage that filled the DLQ first, when it was empty. */
  readonly filled?: { readonly runId: string; readonly orders: number; readonly ok: boolean; readonly failures: readonly string[] };
  /** Messages moved back, and the distinct orders they carry. */
  readonly redriven: number;
  readonly orders: number;
  readonly confirmed: number;
  readonly rejected: number;
  /** Orders still PLACED at the deadline. */
  readonly pending: number;
  readonly expected: { readonly confirmed: number; readonly rejected: number };
  /** Orders that ended otherwise than their state before the redrive said they must. */
  readonly unexpected: number;
  /** Standing charges of the redriven orders (CHARGED, not refunded). */
  readonly charges: number;
  /** Orders the provider charged more than once (from its call log): must be 0. */
  readonly chargedTwice: number;
  readonly heldByRejected: number;
  /** Confirmed orders not holding every SKU they ordered. */
  readonly confirmedWithoutStock: number;
  readonly notified: number;
  /** Redriven orders whose messages are in a chosen DLQ again. */
  readonly leftInDeadLetterQueues: number;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
}

/** The command that fills the DLQs, for a redrive that found them empty. */
export const FILL_HINT =
  'run `npx labs orders outage payment` first (it leaves its orders in the payment DLQ; on the local cloud run both in one `npx labs up orders`), or pass --orders N to dead-letter N orders here first';

/**
 * Redrives the chosen DLQs into their source queues and follows the orders they carried until each is
 * terminal, settled and e-mailed. DLQs that are all empty are first filled by a payment outage of
 * `orders` orders when payment is among them.
 */
export async function runRedrive(session: TargetSession<OrdersOutput>, options: RedriveOptions, ui: Ui): Promise<RedriveObservations> {
  const resources = ordersResources(session);
  const { dynamodb, sqs } = session.clients;
  const source: Record<ServiceName, string> = {
    payment: session.output('PaymentQueueUrl'),
    inventory: session.output('InventoryQueueUrl'),
    notification: session.output('NotificationQueueUrl'),
  };
  const started = Date.now();
  let waiting = 0;
  for (const name of options.queues) waiting += (await queueCounts(sqs, resources.deadLetterQueues[name])).visible;
  let filled: RedriveObservations['filled'];
  if (waiting === 0 && options.orders > 0 && options.queues.includes('payment')) {
    ui.log(`the ${options.queues.join(', ')} DLQ(s) are empty: dead-lettering ${options.orders} orders first with a payment outage (as \`labs orders outage payment\` does)`);
    const outage = await runPaymentOutage(session, { orders: options.orders, seconds: 1 }, ui);
    const verdict = paymentOutageVerdict(outage);
    filled = { runId: outage.runId, orders: outage.ordersDuringOutage, ok: verdict.ok, failures: verdict.failures };
  }
  const queues: { name: ServiceName; moved: number; failed: number }[] = [];
  const messages: Message[] = [];
  for (const name of options.queues) {
    const { moved, failed } = await moveDeadLetters(sqs, resources.deadLetterQueues[name], source[name]);
    queues.push({ name, moved: moved.length, failed });
    messages.push(...moved);
    ui.log(`moved ${moved.length} message(s) from the ${name} DLQ back to its queue${failed > 0 ? ` (${failed} failed, left in the DLQ)` : ''}`);
  }
  const orderIds = [...new Set(messages.map(orderIdOfMessage).filter((id): id is string => id !== undefined))];
  // The items as the redrive found them say how each order must end.
  const before = new Map((await batchGet(dynamodb, resources.ordersTable, 'orderId', orderIds)).map((item) => [String(item['orderId']), item]));
  const expectedById = new Map(orderIds.map((id) => [id, before.has(id) ? expectedEnd(before.get(id)!) : undefined]));
  const timeoutMs = ordersDeadlineMs(orderIds.length, resources.poolSize);
  const followed = await followToTerminal({ dynamodb, ordersTable: resources.ordersTable, notificationsTable: resources.notificationsTable }, orderIds, {
    timeoutMs,
    ui,
    label: 'redriven orders',
  });
  const orders = [...followed.orders.values()];
  const charges = await readCharges(dynamodb, resources.chargesTable, orderIds);
  const calls = await readProviderCallsByOrder(session, orderIds);
  const skus = [...new Set(orders.flatMap((o) => o.items.map((line) => line.sku)))];
  const stock = await readStock(dynamodb, resources.stockTable, skus);
  const holds = (o: OrderRecord) => o.items.every((line) => stock.find((s) => s.sku === line.sku)?.holders.includes(o.orderId) === true);
  const holdsAny = (o: OrderRecord) => stock.some((s) => s.holders.includes(o.orderId));
  const ours = new Set(orderIds);
  let left = 0;
  for (const name of options.queues) left += (await peekOrderMessages(sqs, resources.deadLetterQueues[name], ours)).length;
  const expected = [...expectedById.values()];
  return {
    queues,
    ...(filled ? { filled } : {}),
    redriven: messages.length,
    orders: orderIds.length,
    confirmed: orders.filter((o) => o.status === 'CONFIRMED').length,
    rejected: orders.filter((o) => o.status === 'REJECTED').length,
    pending: orders.filter((o) => o.status === 'PLACED').length,
    expected: { confirmed: expected.filter((e) => e === 'CONFIRMED').length, rejected: expected.filter((e) => e === 'REJECTED').length },
    unexpected: orders.filter((o) => expectedById.get(o.orderId) !== undefined && expectedById.get(o.orderId) !== o.status).length,
    charges: charges.filter((c) => c.status === 'CHARGED').length,
    chargedTwice: [...calls.values()].filter((n) => n > 1).length,
    heldByRejected: orders.filter((o) => o.status === 'REJECTED' && (holdsAny(o) || charges.some((c) => c.orderId === o.orderId && c.status === 'CHARGED'))).length,
    confirmedWithoutStock: orders.filter((o) => o.status === 'CONFIRMED' && !holds(o)).length,
    notified: followed.notified.size,
    leftInDeadLetterQueues: left,
    elapsedMs: Date.now() - started,
    timeoutMs,
    timedOut: followed.timedOut,
  };
}

/** Charging calls per order, from the provider's call log. */
async function readProviderCallsByOrder(session: TargetSession<OrdersOutput>, orderIds: readonly string[]): Promise<Map<string, number>> {
  const items = await batchGet(session.clients.dynamodb, ordersResources(session).controlTable, 'id', orderIds.map(providerCallsItemId));
  const byItem = new Map(items.map((item) => [String(item['id']), providerCallsOf(item)]));
  return new Map(orderIds.map((id) => [id, (byItem.get(providerCallsItemId(id)) ?? []).filter((c) => c.outcome === 'CHARGED').length]));
}

/**
 * Every moved order ends once as its state before the redrive said, with one charge at most (refunded
 * if rejected), its stock held only if confirmed, its e-mail recorded, and none back in a DLQ.
 */
export function redriveVerdict(o: RedriveObservations): Verdict {
  const failures: string[] = [];
  if (o.filled !== undefined && !o.filled.ok) failures.push(...o.filled.failures.map((f) => `dead-lettering first: ${f}`));
  if (o.redriven === 0) return verdictOf([...failures, `the ${o.queues.map((q) => q.name).join(', ')} DLQ(s) held nothing to redrive: ${FILL_HINT}`]);
  for (const q of o.queues) if (q.failed > 0) failures.push(`${q.failed} message(s) of the ${q.name} DLQ could not be sent back (left in the DLQ)`);
  if (o.timedOut) failures.push(`the deadline of ${Math.round(o.timeoutMs / 1000)} s passed with ${o.pending} redriven order(s) not terminal`);
  if (o.confirmed + o.rejected !== o.orders) failures.push(`${o.confirmed + o.rejected} of ${o.orders} redriven orders reached a terminal state`);
  if (o.unexpected > 0) failures.push(`${o.unexpected} order(s) ended otherwise than their state before the redrive said (expected ${o.expected.confirmed} confirmed, ${o.expected.rejected} rejected; got ${o.confirmed} and ${o.rejected})`);
  if (o.chargedTwice > 0) failures.push(`${o.chargedTwice} order(s) charged twice by the provider`);
  if (o.charges !== o.confirmed) failures.push(`${o.charges} standing charge(s) for ${o.confirmed} confirmed order(s)`);
  if (o.heldByRejected > 0) failures.push(`${o.heldByRejected} rejected order(s) still hold a charge or stock`);
  if (o.confirmedWithoutStock > 0) failures.push(`${o.confirmedWithoutStock} confirmed order(s) without their stock`);
  if (o.notified !== o.orders) failures.push(`${o.notified} e-mail(s) for ${o.orders} redriven orders`);
  if (o.leftInDeadLetterQueues > 0) failures.push(`${o.leftInDeadLetterQueues} redriven order message(s) are back in a DLQ`);
  return verdictOf(failures);
}
