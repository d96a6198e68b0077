import type { OrdersOutput } from '../../lib/stacks/orders-stack';
import { chunkedRequests, invocationItems, item, MILLION, NEAR_FREE_IDLE_TARGET_PER_HOUR, SNS_CHUNK_BYTES, sqsPollerItems, tableWriteItems, type PathModel } from '../cost/path';
import { renderOrders } from '../report/orders';
import { renderOutage, renderPaymentOutage } from '../report/orders-outage';
import { ageAlarmOf, alarmCameBack, inventoryOutageVerdict, runOutage, shortestOutageSeconds } from '../scenarios/orders/outage';
import { ordersRunVerdict, runOrders } from '../scenarios/orders/main';
import { paymentOutageVerdict, runPaymentOutage } from '../scenarios/orders/payment-outage';
import { REDRIVE_CHOICES, redriveQueuesOption, redriveVerdict, runRedrive } from '../scenarios/orders/redrive';
import { renderRedrive } from '../report/orders-redrive';
import { chargedOrderCount, DECLINE_EVERY } from '../scenarios/orders/plan';
import { renderDuplicates } from '../report/orders-duplicates';
import { renderTrace } from '../report/orders-trace';
import { parseOrderId, runTrace, traceVerdict } from '../scenarios/orders/trace';
import { duplicatesVerdict, runDuplicates } from '../scenarios/orders/duplicates';
import { numberOption, optionalText, UsageError, type ModuleLab, type Scenario } from '../scenarios/scenario';
import type { ConcurrencyNeed } from '../targets/target';

const MAX_FAILURE_RATE = 0.5;

/** A failure rate from the command line: a decimal between 0 and MAX_FAILURE_RATE. */
export function failureRateOption(text: string): number {
  const rate = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(rate >= 0 && rate <= MAX_FAILURE_RATE)) {
    throw new UsageError(`--payment-failure-rate must be a number from 0 to ${MAX_FAILURE_RATE} (a share of provider calls, e.g. 0.2), but '${text}' was given`);
  }
  return rate;
}

/** Every order lab runs the three pools at once and the intake function beside them. */
const ordersConcurrency = (outputs: Readonly<Record<string, string>>): ConcurrencyNeed => {
  const pool = Number(outputs.PoolSize ?? 3);
  return { executions: 3 * pool + 1, reason: `three pools of ${pool} workers and the intake function` };
};

const main: Scenario<OrdersOutput> = {
  summary: 'place orders through the order API; payment, inventory and notification pools take them to one terminal state each (Week 5 project)',
  options: [
    // The stage throttles at 50 requests/s; 1,000 orders take about a minute of the pools' work locally.
    { flags: '--orders <n>', description: 'orders to place through the API', kind: 'count', min: 1, max: 1000, defaultValue: 20 },
    // Beyond half, most orders exhaust their deliveries and the lab measures the DLQ, not the saga.
    { flags: '--payment-failure-rate <rate>', description: `share of payment provider calls that fail transiently, 0 to ${MAX_FAILURE_RATE}`, kind: 'text', defaultValue: '0.2' },
    // Each crash ends a payment environment and holds its order for the queue's visibility timeout.
    { flags: '--crash-after-charge <k>', description: 'orders whose payment worker crashes after the charge, before recording it', kind: 'count', min: 0, max: 10, defaultValue: 0 },
  ],
  prepare: (o) => {
    const options = {
      orders: numberOption(o, 'orders'),
      paymentFailureRate: failureRateOption(optionalText(o, 'paymentFailureRate') ?? '0.2'),
      crashAfterCharge: numberOption(o, 'crashAfterCharge'),
    };
    if (options.crashAfterCharge > chargedOrderCount(options.orders)) {
      throw new UsageError(
        `--crash-after-charge ${options.crashAfterCharge} is more than the ${chargedOrderCount(options.orders)} of ${options.orders} orders the provider charges (every ${DECLINE_EVERY}th is declined): pass a smaller count or more --orders`,
      );
    }
    return {
      requiredConcurrency: ordersConcurrency,
      run: async (session, ui) => {
        const observations = await runOrders(session, options, ui);
        return { verdict: ordersRunVerdict(observations), observations: { ...observations }, render: (c) => renderOrders(observations, c) };
      },
    };
  },
};

const OUTAGE_DEFAULTS = { orders: 20, seconds: 75 };

const inventoryOutage: Scenario<OrdersOutput> = {
  command: 'outage inventory',
  summary: "inventory's store is down for S seconds: its queue grows and its age alarm fires while payment and notification keep pace, then the backlog drains (Module 8 question 3)",
  options: [
    { flags: '--orders <n>', description: 'orders placed at the start of the outage', kind: 'count', min: 1, max: 200, defaultValue: OUTAGE_DEFAULTS.orders },
    // The age alarm's threshold is its period (60 s unless -c ordersAlarmSeconds=N): S must outlast it.
    // A failed inventory delivery returns after the 30 s visibility timeout; its 5th (last) comes at
    // about 120 s, so beyond 110 s the orders would be dead-lettered instead of drained.
    { flags: '--seconds <s>', description: 'how long the inventory store is down', kind: 'count', min: 15, max: 110, defaultValue: OUTAGE_DEFAULTS.seconds },
  ],
  prepare: (o) => {
    const options = { orders: numberOption(o, 'orders'), seconds: numberOption(o, 'seconds') };
    return {
      requiredConcurrency: ordersConcurrency,
      run: async (session, ui) => {
        const observations = await runOutage(session, {
          ...options,
          service: 'inventory',
          ui,
          settled: (_samples, alarms) => alarmCameBack(ageAlarmOf(alarms(), 'inventory')),
          check: (alarmPeriodSeconds) => {
            if (options.seconds < shortestOutageSeconds(alarmPeriodSeconds)) {
              throw new UsageError(
                `--seconds ${options.seconds} is too short for the inventory age alarm (period and threshold ${alarmPeriodSeconds} s in the template): pass --seconds ${shortestOutageSeconds(alarmPeriodSeconds)} or more, or shorten the alarm with -c ordersAlarmSeconds=10`,
              );
            }
          },
        });
        return { verdict: inventoryOutageVerdict(observations), observations: { ...observations }, render: (c) => renderOutage(observations, c) };
      },
    };
  },
};

const paymentOutage: Scenario<OrdersOutput> = {
  command: 'outage payment',
  summary: 'the payment provider is down: the shared breaker opens, provider calls stop while it is open, the orders exhaust their deliveries into the DLQ, and a probe closes the breaker on recovery (Week 5 day 5)',
  options: [
    // Each order takes the payment queue's 6 deliveries (one per cool-down while the breaker is open) and sits in the DLQ.
    { flags: '--orders <n>', description: 'orders placed at the start of the outage (they end in the payment DLQ)', kind: 'count', min: 1, max: 50, defaultValue: 10 },
    { flags: '--seconds <s>', description: 'how long the provider stays down after the last order is accepted (at least until every order is dead-lettered)', kind: 'count', min: 1, max: 300, defaultValue: 10 },
  ],
  prepare: (o) => {
    const options = { orders: numberOption(o, 'orders'), seconds: numberOption(o, 'seconds') };
    return {
      requiredConcurrency: ordersConcurrency,
      run: async (session, ui) => {
        const observations = await runPaymentOutage(session, options, ui);
        return { verdict: paymentOutageVerdict(observations), observations: { ...observations }, render: (c) => renderPaymentOutage(observations, c) };
      },
    };
  },
};

const redrive: Scenario<OrdersOutput> = {
  command: 'redrive',
  summary: 'moves dead-lettered orders back to their source queue (receive, send, delete: the same on AWS and locally); they complete exactly once (Week 5 day 5)',
  options: [
    { flags: '--queue <name>', description: `which DLQ to redrive: ${REDRIVE_CHOICES.join(', ')}`, kind: 'text', defaultValue: 'all' },
    // Filling takes a payment outage (about six breaker cool-downs); the DLQs' contents are moved whatever their number.
    { flags: '--orders <n>', description: 'when the chosen DLQs are empty, orders to dead-letter first with a payment outage (0: redrive only what is there)', kind: 'count', min: 0, max: 50, defaultValue: 10 },
  ],
  prepare: (o) => {
    const options = { queues: redriveQueuesOption(optionalText(o, 'queue') ?? 'all'), orders: numberOption(o, 'orders') };
    return {
      requiredConcurrency: ordersConcurrency,
      run: async (session, ui) => {
        const observations = await runRedrive(session, options, ui);
        return { verdict: redriveVerdict(observations), observations: { ...observations }, render: (c) => renderRedrive(observations, c) };
      },
    };
  },
};

const duplicates: Scenario<OrdersOutput> = {
  command: 'duplicates',
  summary: 'clients retry with the same Idempotency-Key and every OrderPlaced is delivered again to each queue: no second order, charge, reservation or e-mail (Week 5 day 5)',
  options: [
    // Every 10th order is declined: 10 orders include one whose stock was given back before its copy came.
    { flags: '--orders <n>', description: 'orders to place (each then retried and redelivered)', kind: 'count', min: 1, max: 200, defaultValue: 10 },
    { flags: '--client-retries <n>', description: 'requests each client sends again with the same key', kind: 'count', min: 1, max: 5, defaultValue: 2 },
  ],
  prepare: (o) => {
    const options = { orders: numberOption(o, 'orders'), clientRetries: numberOption(o, 'clientRetries') };
    return {
      requiredConcurrency: ordersConcurrency,
      run: async (session, ui) => {
        const observations = await runDuplicates(session, options, ui);
        return { verdict: duplicatesVerdict(observations), observations: { ...observations }, render: (c) => renderDuplicates(observations, c) };
      },
    };
  },
};

const trace: Scenario<OrdersOutput> = {
  command: 'trace',
  summary: "one order's path across the API, the topic, the three queues and their workers, with timestamps, from the functions' logs (local log store, CloudWatch Logs on AWS); without an id it places one order and traces it (Week 5 day 5: correlation ids)",
  arguments: [{ name: 'orderId', description: 'the order id the API answered (201) with, as `labs orders --json` lists in orderIds (default: place one order and trace it)', parse: parseOrderId }],
  options: [],
  prepare: (o) => {
    const orderId = optionalText(o, 'orderId');
    return {
      run: async (session, ui) => {
        const observations = await runTrace(session, orderId === undefined ? {} : { orderId }, ui);
        return { verdict: traceVerdict(observations), observations: { ...observations }, render: (c) => renderTrace(observations, c) };
      },
    };
  },
};

/**
 * orders, per order: one API request and one intake invocation (an orders write, the idempotency
 * record's put and update), one SNS publish fanned out to three queues (free), and per queue one
 * receive and delete per batch and one invocation per batch. Payment writes the charge, records its
 * side and may finish the order (2 writes), appends the call to the provider's call log (1 write) and
 * writes the breaker when it changes (rarely: 0 here);
 * inventory takes each SKU's stock (2 SKUs assumed), records its side and may finish the order;
 * notification writes the e-mail record. Each pool appends every delivery to the ledger (one update).
 */
const WRITES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  Intake: { ORDERS_TABLE_NAME: 1, IDEMPOTENCY_TABLE_NAME: 2 },
  Payment: { CHARGES_TABLE_NAME: 1, ORDERS_TABLE_NAME: 2, STOCK_TABLE_NAME: 0, CONTROL_TABLE_NAME: 1, LEDGER_TABLE_NAME: 1 },
  Inventory: { STOCK_TABLE_NAME: 2, ORDERS_TABLE_NAME: 2, CHARGES_TABLE_NAME: 0, CONTROL_TABLE_NAME: 0, LEDGER_TABLE_NAME: 1 },
  Notification: { NOTIFICATIONS_TABLE_NAME: 1, LEDGER_TABLE_NAME: 1 },
};

const path: PathModel = {
  message: 'order placed through the API',
  description: 'HTTP API request; intake invocation; SNS publish (one per order) to 3 queues; per pool ESM receive + delete and one invocation per batch; the saga\'s writes',
  estimate: (view, a) => {
    const functions = view.functions();
    const named = (prefix: string) => {
      const found = functions.filter((f) => f.logicalId.startsWith(prefix));
      if (found.length !== 1) throw new Error(`the orders model needs one ${prefix} function, but ${found.length} were found`);
      return found[0]!;
    };
    const intake = named('Intake');
    const topics = view.resources('AWS::SNS::Topic').filter((t) => view.subscriptions().some((s) => s.topicId === t.logicalId && s.protocol === 'sqs'));
    if (topics.length !== 1) throw new Error(`the orders model needs one order topic fanned out to queues, but ${topics.length} were found`);
    const mappings = view.eventSourceMappings();
    if (mappings.length !== 3) throw new Error(`the orders model needs the three pools' SQS mappings, but ${mappings.length} were found`);
    return {
      items: [
        item('OrderApi: HTTP API requests', MILLION, 'apigateway.httpApiRequests'),
        ...invocationItems(intake, MILLION, a.workerPoolTaskMs, a),
        ...tableWriteItems(intake, view, MILLION, WRITES.Intake!, 'order'),
        item(`${topics[0]!.logicalId}: Publish, one per order`, chunkedRequests(MILLION, 1, a.messageBytes, SNS_CHUNK_BYTES), 'sns.publishes'),
        ...mappings.flatMap((mapping) => {
          const fn = view.function(mapping.functionId);
          const service = Object.keys(WRITES).find((name) => fn.logicalId.startsWith(`${name}Worker`));
          if (service === undefined) throw new Error(`the orders model does not know the pool of ${fn.logicalId}`);
          return [
            ...sqsPollerItems(mapping.sourceId, MILLION, mapping.batchSize, a),
            ...invocationItems(fn, MILLION / mapping.batchSize, mapping.batchSize * a.workerPoolTaskMs, a),
            ...tableWriteItems(fn, view, MILLION, WRITES[service]!, 'order'),
          ];
        }),
      ],
      assumptions: [
        `${a.messageBytes} B per order message`,
        'every payment succeeds on its first call (no retries, no breaker writes; one call-log append); 2 SKUs per order',
        `full batches of each mapping's BatchSize; ${a.workerPoolTaskMs} ms per order per invocation`,
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The orders module's lab (registered in lib/modules.ts): alarms and idle polling stay within the near-free target. */
export const ordersLab: ModuleLab<OrdersOutput> = { main, subcommands: [inventoryOutage, paymentOutage, redrive, duplicates, trace], cost: { path, idleTargetPerHour: NEAR_FREE_IDLE_TARGET_PER_HOUR } };
