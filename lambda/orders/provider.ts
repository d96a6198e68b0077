import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import type { ProviderCall, ProviderOutcome } from './breaker-record';
import type { FaultSwitches } from './faults';
import { TransientProviderError, type CallContext } from './payment-core';
import type { PaymentResult } from './saga';
import { isConditionalCheckFailure } from './store';

/** The simulated provider's card limit: a larger order is declined (a terminal answer). */
export const DECLINE_ABOVE_CENTS = 1_000_000;

export interface ProviderDeps {
  readonly client: DynamoDBDocumentClient;
  readonly chargesTableName: string;
  readonly faults: () => Promise<FaultSwitches>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Every call that reaches the provider, whatever its outcome (the lab counts them against the breaker's transitions). */
  readonly recordCall: (orderId: string, call: ProviderCall) => Promise<void>;
}

/**
 * Whether the provider's call `attempt` (1, 2, ... over all deliveries of the order) for `orderId`
 * fails under `failureRate`: the first 32 bits of SHA-256 of `orderId:attempt`, read as a share of
 * 2^32, against the rate. Deterministic, so a lab knows before a run which calls fail and how many
 * retries and redeliveries it will see, and evenly spread over orders and attempts.
 */
export function failsTransiently(orderId: string, attempt: number, failureRate: number): boolean {
  const share = parseInt(createHash('sha256').update(`${orderId}:${attempt}`).digest('hex').slice(0, 8), 16) / 2 ** 32;
  return share < failureRate;
}

/**
 * The payment provider, simulated inside the payment function and steered by the fault switches. Its
 * ledger is the charges table, keyed by order id: a charge is made once per order, and a repeated call
 * returns the first answer, as a real provider's idempotency key would.
 */
export function simulatedProvider(deps: ProviderDeps) {
  return {
    async charge(orderId: string, amountCents: number, call: CallContext): Promise<PaymentResult> {
      const at = deps.now();
      const record = (outcome: ProviderOutcome) => deps.recordCall(orderId, { at, ...call, outcome });
      const faults = await deps.faults();
      if (faults.addedLatencyMs > 0) await deps.sleep(faults.addedLatencyMs);
      if (deps.now() < faults.paymentOutageUntil) {
        await record('outage');
        throw new TransientProviderError('the payment provider is down (fault switch paymentOutageUntil)');
      }
      if (failsTransiently(orderId, call.attempt, faults.paymentFailureRate)) {
        await record('transient-failure');
        throw new TransientProviderError('the payment provider timed out (fault switch paymentFailureRate)');
      }
      const result: PaymentResult = amountCents > DECLINE_ABOVE_CENTS ? 'DECLINED' : 'CHARGED';
      try {
        await deps.client.send(
          new PutCommand({
            TableName: deps.chargesTableName,
            // `calls` counts the calls the provider answered for the order: a redelivery shows as 2.
            Item: { orderId, amountCents, status: result, at: new Date(deps.now()).toISOString(), calls: 1 },
            ConditionExpression: 'attribute_not_exists(orderId)',
          }),
        );
        await record(result);
        return result;
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        // Charged (or declined) by an earlier delivery: the same answer, no second charge.
        await deps.client.send(
          new UpdateCommand({ TableName: deps.chargesTableName, Key: { orderId }, UpdateExpression: 'ADD calls :one', ExpressionAttributeValues: { ':one': 1 } }),
        );
        await record('repeat');
        return result;
      }
    },
    async refund(orderId: string): Promise<void> {
      try {
        await deps.client.send(
          new UpdateCommand({
            TableName: deps.chargesTableName,
            Key: { orderId },
            UpdateExpression: 'SET #status = :refunded, refundedAt = :at',
            ConditionExpression: '#status = :charged',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':refunded': 'REFUNDED', ':charged': 'CHARGED', ':at': new Date(deps.now()).toISOString() },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
      }
    },
  };
}
