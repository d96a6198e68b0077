import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireEnv, requireIntEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { decidingWorker } from './deciding-worker';
import { crashesAfterCharge } from './faults';
import { chargeThroughBreaker, RetryLaterError, type PaymentPolicy } from './payment-core';
import { orderWorker } from './sqs-worker';
import { logStep } from './steps';

const PAYMENT_QUEUE_URL = requireEnv('PAYMENT_QUEUE_URL');
const POLICY: PaymentPolicy = {
  breaker: { failureThreshold: requireIntEnv('BREAKER_FAILURE_THRESHOLD'), coolDownMs: requireIntEnv('BREAKER_COOL_DOWN_MS') },
  retries: requireIntEnv('PAYMENT_RETRIES'),
  backoff: { baseMs: 100, capMs: 1000 },
  redelivery: { baseSeconds: requireIntEnv('REDELIVERY_BASE_SECONDS'), maxSeconds: 300 },
};

const logger = createLogger();
const sqs = new SQSClient({});
/** Orders the provider charged during the current delivery (not answered again from its ledger). */
const chargedNow = new Set<string>();
/** The provider's answers to the order being handled (one record at a time): the delivery's effect. */
const providerCalls = new Map<string, string[]>();
const worker = decidingWorker(logger, {
  onProviderCall: (orderId, outcome) => {
    if (outcome === 'CHARGED') chargedNow.add(orderId);
    providerCalls.get(orderId)?.push(outcome);
  },
});

/**
 * Charges each order once through the pool-wide breaker, then settles it. A message that must come
 * back later (breaker open, provider failing) gets its visibility timeout set to the delay first: the
 * backoff then spans deliveries, and after maxReceiveCount the queue dead-letters it.
 */
export const handler = orderWorker(logger, 'payment', async (order, record, _context, notes) => {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const calls: string[] = [];
  providerCalls.set(order.orderId, calls);
  let result;
  chargedNow.delete(order.orderId);
  try {
    result = await chargeThroughBreaker(order, receiveCount, {
      breaker: { read: () => worker.control.readBreaker(), write: (next, current) => worker.control.writeBreaker(next, current) },
      charge: (orderId, amountCents, call) => worker.provider.charge(orderId, amountCents, call),
      sleep: (ms) => sleep(ms),
      now: () => Date.now(),
      random: Math.random,
      onTransition: (from, to) => logStep(logger, 'breaker', 'payment breaker changed', { breaker: { from: from.status, to: to.status, openUntil: to.openUntil } }),
      onRetry: (retry, delayMs, error) => {
        notes.retried(delayMs);
        logStep(logger, 'retry', 'payment provider call retried', { retry, delayMs, reason: error.message }, 'warn');
      },
    }, POLICY);
  } catch (error) {
    if (error instanceof RetryLaterError) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: PAYMENT_QUEUE_URL, ReceiptHandle: record.receiptHandle, VisibilityTimeout: error.delaySeconds }));
      notes.deferred(error.delaySeconds);
      logStep(logger, 'deferred', 'payment deferred', { delaySeconds: error.delaySeconds, reason: error.message }, 'warn');
    }
    throw error;
  } finally {
    providerCalls.delete(order.orderId);
    if (calls.length > 0) notes.effect(calls.join(','));
  }
  if (crashesAfterCharge(await worker.faults(), order.orderId, chargedNow.delete(order.orderId))) {
    // The fault switch paymentCrashAfterCharge: the provider charged, the order does not know yet.
    logStep(logger, 'crashed', 'crash injected after the charge, before it is recorded: the execution environment ends', { receiveCount }, 'error');
    process.exit(1);
  }
  logStep(logger, result === 'CHARGED' ? 'charged' : 'declined', `payment ${result}`, { receiveCount, amountCents: order.amountCents });
  const settlement = await worker.settle(order, { side: 'payment', result });
  return { payment: result, status: settlement.order.status, finished: settlement.finished, compensated: settlement.compensated };
});
