import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { orderWorker } from './sqs-worker';
import { isConditionalCheckFailure } from './store';
import { logStep } from './steps';

const NOTIFICATIONS_TABLE_NAME = requireEnv('NOTIFICATIONS_TABLE_NAME');
const logger = createLogger();
const client = createDocumentClient();

/** Records each order's confirmation e-mail once: a redelivered order finds its e-mail already there. */
export const handler = orderWorker(logger, 'notification', async (order, _record, _context, notes) => {
  try {
    await client.send(
      new PutCommand({
        TableName: NOTIFICATIONS_TABLE_NAME,
        Item: { orderId: order.orderId, email: order.customerEmail, correlationId: order.correlationId, sentAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(orderId)',
      }),
    );
    notes.effect('sent');
    logStep(logger, 'sent', 'confirmation e-mail recorded');
    return { notification: 'sent' };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    notes.effect('already-sent');
    logStep(logger, 'already-sent', 'confirmation e-mail recorded already');
    return { notification: 'already-sent' };
  }
});
