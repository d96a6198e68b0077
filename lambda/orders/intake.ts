import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { InvalidMessageError, parseJsonMessage } from '../shared/messages';
import { placeOrder, type Accepted } from './intake-core';
import { logStep } from './steps';
import { orderPlacedMessage, orderPlacedSchema, orderRequestSchema, type OrderPlaced, type OrderRequest } from './schemas';
import { ordersTable } from './store';

const ORDERS_TABLE_NAME = requireEnv('ORDERS_TABLE_NAME');
const ORDER_TOPIC_ARN = requireEnv('ORDER_TOPIC_ARN');
const IDEMPOTENCY_TABLE_NAME = requireEnv('IDEMPOTENCY_TABLE_NAME');

const logger = createLogger();
const sns = new SNSClient({});
const orders = ordersTable(createDocumentClient(), ORDERS_TABLE_NAME, async () => {
  throw new Error('the intake undoes nothing: compensation is the workers\' job');
});

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'idempotencyKey',
  // The same key with another order is a client bug, answered 422, not the first order.
  payloadValidationJmesPath: 'request',
  expiresAfterSeconds: 24 * 60 * 60,
});

interface PlaceRequest {
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly request: OrderRequest;
}

/** Whether the request being handled ran the placement (one request at a time per environment), or was answered from the idempotency record. */
let placedNow = false;

const placeOnce = makeIdempotent(
  async ({ idempotencyKey, correlationId, request }: PlaceRequest): Promise<Accepted> => {
    placedNow = true;
    return placeOrder(request, { idempotencyKey, correlationId, now: new Date() }, {
      putPlaced: (order) => orders.putPlaced(order),
      getPlaced: async (orderId) => orderPlacedSchema.parse(await orders.get(orderId)),
      publish: async (order: OrderPlaced) => {
        const message = orderPlacedMessage(order);
        const published = await sns.send(new PublishCommand({ TopicArn: ORDER_TOPIC_ARN, Message: message.body, MessageAttributes: message.attributes }));
        logStep(logger, 'published', 'order published', { orderId: order.orderId, topicMessageId: published.MessageId });
      },
    });
  },
  { persistenceStore: new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY_TABLE_NAME }), config: idempotencyConfig },
);

function isHttpApiRequest(event: unknown): event is APIGatewayProxyEventV2 {
  const candidate = event as Partial<APIGatewayProxyEventV2> | null | undefined;
  return typeof candidate?.headers === 'object' && candidate.headers !== null && typeof candidate.requestContext === 'object' && candidate.requestContext !== null;
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * `POST /orders` (HTTP API, payload format 2.0). A body that is not an order gets 400 naming the field
 * and stores nothing; a request without an Idempotency-Key header gets 400; a retry with the same key
 * gets the first answer (201, same order id).
 */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  if (!isHttpApiRequest(event)) {
    // A direct invoke (`aws lambda invoke` with any payload) is not a request of the API.
    logger.warn('not an HTTP API request', { keys: Object.keys(event ?? {}) });
    return json(400, { message: 'this function serves POST /orders of the HTTP API (payload format 2.0): send the order to the API URL that `labs outputs orders` lists, not as a direct invoke' });
  }
  const correlationId = event.headers['x-correlation-id'] ?? event.requestContext.requestId;
  logger.setCorrelationId(correlationId);
  const idempotencyKey = event.headers['idempotency-key'];
  if (idempotencyKey === undefined || !/^[\w-]{1,128}$/.test(idempotencyKey)) {
    return json(400, { message: 'the Idempotency-Key header is required: 1 to 128 letters, digits, hyphens or underscores, the same on every retry of one order' });
  }
  let request: OrderRequest;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    request = parseJsonMessage(text, orderRequestSchema, 'body');
  } catch (error) {
    if (!(error instanceof InvalidMessageError)) throw error;
    logger.warn('order refused', { issues: error.issues });
    return json(400, { message: `not a valid order: ${error.message}`, issues: error.issues });
  }
  idempotencyConfig.registerLambdaContext(context);
  try {
    placedNow = false;
    const accepted = await placeOnce({ idempotencyKey, correlationId, request });
    if (placedNow) logStep(logger, 'accepted', 'order accepted', { ...accepted });
    else logStep(logger, 'replayed', 'order answered from its idempotency record', { ...accepted });
    return json(201, accepted);
  } catch (error) {
    if (error instanceof IdempotencyValidationError) {
      return json(422, { message: 'this Idempotency-Key was used for another order: use a new key for a new order' });
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      return json(409, { message: 'this order is still being placed: retry with the same Idempotency-Key in a second' });
    }
    logger.error('order not accepted', { error });
    return json(503, { message: 'the order could not be placed: retry with the same Idempotency-Key' });
  }
};
