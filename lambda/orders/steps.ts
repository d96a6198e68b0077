import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * The steps of an order's path, one log line each, named in the line's `step` field beside its
 * `orderId`: what `labs orders trace` reads back from the logs (the local log store, CloudWatch Logs).
 */
export const ORDER_STEPS = {
  /** intake: the order stored and published, answered 201. */
  accepted: 'the API accepted the order',
  /** intake: a retry with the same Idempotency-Key, answered from the idempotency record. */
  replayed: 'a retried request was answered with the first order',
  /** intake: OrderPlaced on the order topic. */
  published: 'OrderPlaced published to the order topic',
  /** any worker: a delivery of the order from its service's queue. */
  received: 'a worker received the order from its queue',
  /** payment: one call's answer from the provider. */
  'provider-call': 'the payment provider answered a call',
  /** payment: an in-process retry after a transient provider error. */
  retry: 'the provider call is retried in process',
  /** payment: the message returns to the queue later (its visibility timeout set to the delay). */
  deferred: 'the payment returns to its queue later',
  /** payment: a transition of the pool's breaker that this worker wrote. */
  breaker: 'the payment breaker changed',
  charged: 'payment charged the order',
  declined: 'payment declined the order',
  reserved: 'inventory reserved the order\'s stock',
  refused: 'inventory refused the order (not enough stock)',
  /** fan-in: a side's answer recorded; `finished` is the terminal state this worker wrote, if any. */
  settled: 'the fan-in recorded a side\'s answer',
  refunded: 'the charge of a rejected order was refunded',
  released: 'the stock of a rejected order was released',
  sent: 'the confirmation e-mail was recorded',
  'already-sent': 'the e-mail was recorded already (a redelivery)',
  /** any worker: the delivery finished and its message is deleted. */
  done: 'the delivery finished',
  /** any worker: the delivery failed; `deadLetter: true` when the queue moves it to its DLQ next. */
  failed: 'the delivery failed and returns to the queue',
  /** payment: the injected crash after the charge (fault switch paymentCrashAfterCharge). */
  crashed: 'the worker crashed after the charge',
} as const;

export type OrderLogStep = keyof typeof ORDER_STEPS;

/** One structured line of an order's step (the logger carries the order id, or `fields` does). */
export function logStep(logger: Logger, step: OrderLogStep, message: string, fields: Readonly<Record<string, unknown>> = {}, level: 'info' | 'warn' | 'error' = 'info'): void {
  logger[level](message, { step, ...fields });
}
