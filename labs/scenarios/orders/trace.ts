import type { OrdersOutput } from '../../../lib/stacks/orders-stack';
import { ORDER_ID_PATTERN, orderIdFor } from '../../../lambda/orders/intake-core';
import { ORDER_STEPS, type OrderLogStep } from '../../../lambda/orders/steps';
import type { Ui } from '../../report/ui';
import { logSourceOf, type LogEvent } from '../../targets/log-source';
import type { TargetSession } from '../../targets/target';
import { textOutput } from '../outputs';
import { newRunId, pollUntil } from '../polling';
import { UsageError, verdictOf, type Verdict } from '../scenario';
import { placeOrder } from './api';
import { followToTerminal } from './follow';
import { readOrders, seedStock, type OrderRecord } from './tables';

/**
 * An order's path read back from the functions' logs: every line of the order (its `orderId` field)
 * that names a `step`, put in time order, with the hops into the three queues added from the
 * workers' first receives (SQS SentTimestamp: when SNS delivered the message into the queue).
 */

/** A step of the trace: one the handlers log, or `queued`, read from a receive's SentTimestamp. */
export type TraceStepName = OrderLogStep | 'queued';

export interface TraceStep {
  /** ms after the API accepted the order (after the first line when no accept is in the logs). */
  readonly at: number;
  /** When it happened, ISO 8601. */
  readonly time: string;
  /** The service that wrote the line (its Powertools service name), or the queue of a `queued` hop. */
  readonly function: string;
  /** The execution environment (log stream) that wrote the line; empty for a queue hop. */
  readonly logStream: string;
  readonly step: TraceStepName;
  readonly detail: string;
}

export interface OrderTrace {
  readonly orderId: string;
  readonly correlationId?: string;
  /** When the API accepted the order, epoch ms. */
  readonly acceptedAt?: number;
  readonly steps: readonly TraceStep[];
  /** The terminal state a worker wrote (a `settled` step with `finished`). */
  readonly terminal?: 'CONFIRMED' | 'REJECTED';
  /** The services that answered each deciding side: payment CHARGED or DECLINED, inventory RESERVED or REFUSED. */
  readonly answers: { readonly payment?: string; readonly inventory?: string };
  readonly notified: boolean;
  /** Services whose queue moved the order to its DLQ (a failed last delivery). */
  readonly deadLettered: readonly string[];
  /** Distinct services and environments in the trace. */
  readonly functions: readonly string[];
  readonly environments: number;
}

/** An order id from the command line: the shape the API issues, else a one-line error. */
export function parseOrderId(raw: string): string {
  const id = raw.trim().toLowerCase();
  if (!ORDER_ID_PATTERN.test(id)) {
    throw new UsageError(`'${raw}' is not an order id: the API answers each order with one like 3f2a9c1e-5b7d-8e21-9a4f-0c6d2b8e7f13 (the orderId of its 201), which \`labs orders --json\` lists in orderIds`);
  }
  return id;
}

type Fields = Record<string, unknown>;

/**
 * The structured fields of a log line: a Powertools JSON line, found in the message whether it is the
 * whole message (the local store, CloudWatch with JSON logs) or follows a text prefix; a line whose
 * `message` is itself the JSON object (a wrapped line) gives that object.
 */
export function fieldsOf(message: string): Fields | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const fields = parsed as Fields;
    const inner = fields.message;
    return inner !== null && typeof inner === 'object' && 'step' in (inner as object) ? (inner as Fields) : fields;
  } catch {
    return undefined;
  }
}

const isStep = (value: unknown): value is OrderLogStep => typeof value === 'string' && Object.hasOwn(ORDER_STEPS, value);

/** The queue a worker's service reads from (`orders-payment` -> `payment queue`). */
function queueOf(service: string): string {
  return `${service.replace(/^orders-/, '')} queue`;
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** What a step's line says beyond its name, in a few words. */
function detailOf(step: OrderLogStep, f: Fields): string {
  const provider = (f.provider ?? {}) as Fields;
  const breaker = (f.breaker ?? {}) as Fields;
  const error = f.error as Fields | string | undefined;
  switch (step) {
    case 'accepted':
    case 'replayed':
      return `${step === 'accepted' ? '201' : '201 from the idempotency record'}, correlation id ${text(f.correlationId)}`;
    case 'published':
      return `OrderPlaced on the order topic (message ${text(f.topicMessageId)})`;
    case 'received':
      return `receive ${text(f.receiveCount)} of message ${text(f.messageId)}`;
    case 'provider-call':
      return `call ${text(provider.attempt)}: ${text(provider.outcome)} (breaker ${text(provider.breaker)})`;
    case 'retry':
      return `retry ${text(f.retry)} after ${text(f.delayMs)} ms: ${text(f.reason)}`;
    case 'deferred':
      return `back on the queue in ${text(f.delaySeconds)} s`;
    case 'breaker':
      return `${text(breaker.from)} -> ${text(breaker.to)}`;
    case 'charged':
    case 'declined':
      return `${text(f.amountCents)} cents`;
    case 'reserved':
      return Array.isArray(f.items) ? (f.items as Fields[]).map((i) => `${text(i.sku)} x${text(i.quantity)}`).join(', ') : '';
    case 'refused':
      return `not enough ${text(f.sku)}`;
    case 'settled':
      return `${text(f.side)} ${text(f.result)} recorded; order ${text(f.status)}${f.finished ? ' (this worker ended it)' : ''}`;
    case 'failed':
      return `${typeof error === 'string' ? error : text(error?.message)}${f.deadLetter === true ? '; next: the DLQ' : ''}`;
    case 'done':
      return `receive ${text(f.receiveCount)} finished, message deleted`;
    default:
      return ORDER_STEPS[step];
  }
}

function timeOf(f: Fields, event: LogEvent): number {
  const stamped = typeof f.timestamp === 'string' ? Date.parse(f.timestamp) : NaN;
  return Number.isFinite(stamped) ? stamped : event.timestamp;
}

/**
 * The order's trace from log lines (of any orders and any lines: those of other orders, and those
 * naming no step, are left out). Steps are in time order; lines of the same millisecond keep the
 * order they were written in.
 */
export function assembleTrace(orderId: string, events: readonly LogEvent[]): OrderTrace {
  const raw: { at: number; seq: number; function: string; logStream: string; step: TraceStepName; detail: string }[] = [];
  let correlationId: string | undefined;
  let acceptedAt: number | undefined;
  let terminal: OrderTrace['terminal'];
  const answers: { payment?: string; inventory?: string } = {};
  let notified = false;
  const deadLettered = new Set<string>();
  const queued = new Set<string>();
  events.forEach((event, seq) => {
    const f = fieldsOf(event.message);
    if (f === undefined || f.orderId !== orderId || !isStep(f.step)) return;
    const step = f.step;
    const at = timeOf(f, event);
    const service = typeof f.service === 'string' && f.service !== '' ? f.service : event.functionName;
    if (typeof f.correlation_id === 'string') correlationId ??= f.correlation_id;
    if (typeof f.correlationId === 'string') correlationId ??= f.correlationId;
    if (step === 'accepted') acceptedAt = Math.min(acceptedAt ?? at, at);
    if (step === 'received' && typeof f.queuedAt === 'number' && !queued.has(service)) {
      // The first receive of the service says when SNS put the message in its queue.
      queued.add(service);
      raw.push({ at: f.queuedAt, seq: -1, function: queueOf(service), logStream: '', step: 'queued', detail: 'SNS delivered OrderPlaced into the queue (SentTimestamp)' });
    }
    if (step === 'settled' && (f.finished === 'CONFIRMED' || f.finished === 'REJECTED')) terminal ??= f.finished;
    if (step === 'charged' || step === 'declined') answers.payment ??= step === 'charged' ? 'CHARGED' : 'DECLINED';
    if (step === 'reserved' || step === 'refused') answers.inventory ??= step === 'reserved' ? 'RESERVED' : 'REFUSED';
    if (step === 'sent' || step === 'already-sent') notified = true;
    if (step === 'failed' && f.deadLetter === true) deadLettered.add(service.replace(/^orders-/, ''));
    raw.push({ at, seq, function: service, logStream: event.logStreamName, step, detail: detailOf(step, f) });
  });
  raw.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const zero = acceptedAt ?? raw[0]?.at ?? 0;
  const steps = raw.map((s) => ({ at: s.at - zero, time: new Date(s.at).toISOString(), function: s.function, logStream: s.logStream, step: s.step, detail: s.detail }));
  return {
    orderId,
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(acceptedAt !== undefined ? { acceptedAt } : {}),
    steps,
    ...(terminal !== undefined ? { terminal } : {}),
    answers,
    notified,
    deadLettered: [...deadLettered].sort(),
    functions: [...new Set(steps.filter((s) => s.step !== 'queued').map((s) => s.function))],
    environments: new Set(steps.filter((s) => s.logStream !== '').map((s) => s.logStream)).size,
  };
}

/** What a settled step records as ended: counted to catch an order ended twice. */
function finishes(trace: OrderTrace): number {
  return trace.steps.filter((s) => s.step === 'settled' && s.detail.endsWith('(this worker ended it)')).length;
}

/**
 * The trace holds when it shows the order's whole path to its terminal state: accepted by the API,
 * both deciding sides answered, ended once by the fan-in, and the e-mail recorded.
 */
export function traceVerdict(trace: OrderTrace): Verdict {
  const failures: string[] = [];
  if (trace.steps.length === 0) return verdictOf([`no log line names order ${trace.orderId}: its functions' logs hold none of its steps`]);
  if (trace.acceptedAt === undefined) failures.push('the intake\'s accepted line is not in the logs');
  if (trace.answers.payment === undefined) failures.push('payment never answered (no charged or declined line)');
  if (trace.answers.inventory === undefined) failures.push('inventory never answered (no reserved or refused line)');
  if (trace.terminal === undefined) {
    // A dead-lettered order waits in its DLQ; once redriven and ended, its DLQ spell is only history.
    failures.push(
      trace.deadLettered.length > 0
        ? `no worker ended the order: it is in the ${trace.deadLettered.join(' and ')} DLQ (redrive it with \`labs orders redrive --queue ${trace.deadLettered.length > 1 ? 'all' : trace.deadLettered[0]}\`)`
        : 'no worker ended the order (no settled line with a terminal state)',
    );
  } else if (finishes(trace) > 1) failures.push(`the order was ended ${finishes(trace)} times, not once`);
  if (!trace.notified) failures.push('notification never recorded the e-mail');
  return verdictOf(failures);
}

export interface TraceOptions {
  /** The order to trace; absent: the lab places one and traces it. */
  readonly orderId?: string;
}

export interface TraceObservations extends OrderTrace {
  /** True when no id was given and the lab placed the order it traced. */
  readonly placedByLab: boolean;
  /** The order as the orders table holds it. */
  readonly status: string;
  readonly placedAt: string;
  /** Log reads until the trace held (or the wait ended), and how long they took. */
  readonly logReads: number;
  readonly waitedMs: number;
}

/** How long the lab waits for an order's lines to reach the logs (CloudWatch delivers within seconds). */
export const TRACE_LOG_WAIT_MS = 30_000;
/** Orders placed longer ago than this have all their lines in the logs already: one read, no wait. */
export const RECENT_ORDER_MS = 5 * 60_000;
/** Lines are read from a minute before the order was placed (clocks of the API and the functions differ). */
const CLOCK_SLACK_MS = 60_000;

/** The error for an id the stack's orders table does not hold, with what to do on that target. */
export function unknownOrderMessage(orderId: string, session: Pick<TargetSession, 'target' | 'stackName' | 'region'>): string {
  return session.target === 'local'
    ? `order ${orderId} is not in the orders table of this local cloud's ${session.stackName} (a lab without \`labs up\` starts a cloud of its own, which keeps no earlier order): start a cloud with \`labs up orders\`, place orders (labs orders / curl), then trace one of their ids (without an id, \`labs orders trace\` places one order and traces it)`
    : `order ${orderId} is not in the orders table of ${session.stackName} in ${session.region}: place orders (\`labs orders --target aws\` / curl), then trace one of their ids (without an id, \`labs orders trace --target aws\` places one order and traces it)`;
}

/**
 * Traces one order: the given one, which must be in the stack's orders table, or, without an id, one
 * the lab places through the API and follows to its end. Its lines are read from the four functions'
 * logs (the session's log source: the local store or CloudWatch Logs) until the trace shows the whole
 * path, for at most TRACE_LOG_WAIT_MS when the order is recent.
 */
export async function runTrace(session: TargetSession<OrdersOutput>, options: TraceOptions, ui: Ui): Promise<TraceObservations> {
  const dynamodb = session.clients.dynamodb;
  const ordersTable = textOutput(session, 'OrdersTableName');
  let orderId = options.orderId;
  const placedByLab = orderId === undefined;
  if (orderId === undefined) {
    const apiUrl = textOutput(session, 'ApiUrl');
    const runId = newRunId();
    const key = `trace-${runId}`;
    const sku = `${runId.toUpperCase()}-BOOK`;
    await seedStock(dynamodb, textOutput(session, 'StockTableName'), { [sku]: 1 });
    ui.log(`no order id given: placing one order through ${apiUrl} to trace it (Idempotency-Key ${key}, order id ${orderIdFor(key)})`);
    const placed = await placeOrder(apiUrl, { key, request: { customerEmail: `${runId}@example.com`, amountCents: 1500, items: [{ sku, quantity: 1 }] } });
    if (placed.orderId === undefined) throw new Error(`the API did not accept the order to trace (${placed.status}: ${placed.message ?? ''}): run \`labs orders\` to see the stack work`);
    orderId = placed.orderId;
    await followToTerminal({ dynamodb, ordersTable, notificationsTable: textOutput(session, 'NotificationsTableName') }, [orderId], { timeoutMs: 90_000, ui, label: 'order to trace' });
  }
  const [order]: (OrderRecord | undefined)[] = await readOrders(dynamodb, ordersTable, [orderId]);
  if (order === undefined) throw new Error(unknownOrderMessage(orderId, session));
  const functionNames = (['IntakeFunctionName', 'PaymentFunctionName', 'InventoryFunctionName', 'NotificationFunctionName'] as const).map((key) => textOutput(session, key));
  const source = logSourceOf(session);
  const id = orderId;
  const recent = Date.now() - order.placedAt < RECENT_ORDER_MS;
  let logReads = 0;
  const { state, elapsedMs } = await pollUntil({
    timeoutMs: recent ? TRACE_LOG_WAIT_MS : 0,
    intervalMs: 1000,
    poll: async () => {
      logReads += 1;
      return assembleTrace(id, await source.search({ functionNames, contains: id, sinceMs: order.placedAt - CLOCK_SLACK_MS }));
    },
    done: (trace) => traceVerdict(trace).ok,
  });
  return { ...state, placedByLab, status: order.status, placedAt: new Date(order.placedAt).toISOString(), logReads, waitedMs: elapsedMs };
}
