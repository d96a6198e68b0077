import { createHash } from 'node:crypto';
import type { OrderPlaced, OrderRequest } from './schemas';

/**
 * The order id of an idempotency key: a GUID (RFC 9562 version 8, name-based on SHA-256) so that a
 * client's retry after a failed publish writes and publishes the same order, never a second one.
 */
export function orderIdFor(idempotencyKey: string): string {
  const hex = createHash('sha256').update(`order:${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The shape of an order id `orderIdFor` gives: a lower-case GUID of version 8 and the RFC 9562 variant. */
export const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface IntakePorts {
  /** Writes the order with status PLACED; false if it is already stored. */
  putPlaced(order: OrderPlaced): Promise<boolean>;
  /** Reads the stored order (after a false putPlaced). */
  getPlaced(orderId: string): Promise<OrderPlaced>;
  publish(order: OrderPlaced): Promise<void>;
}

export interface Accepted {
  readonly orderId: string;
  readonly status: 'PLACED';
  readonly correlationId: string;
}

/**
 * Stores the order, then publishes OrderPlaced, and only then answers. If the publish fails the request
 * fails (5xx, no idempotency record kept), and the client's retry with the same key finds the order
 * stored and publishes it: no order is accepted whose event was not published.
 */
export async function placeOrder(
  request: OrderRequest,
  meta: { readonly idempotencyKey: string; readonly correlationId: string; readonly now: Date },
  ports: IntakePorts,
): Promise<Accepted> {
  const orderId = orderIdFor(meta.idempotencyKey);
  const fresh: OrderPlaced = { type: 'OrderPlaced', orderId, correlationId: meta.correlationId, placedAt: meta.now.toISOString(), ...request };
  const order = (await ports.putPlaced(fresh)) ? fresh : await ports.getPlaced(orderId);
  await ports.publish(order);
  return { orderId, status: 'PLACED', correlationId: order.correlationId };
}
