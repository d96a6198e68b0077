import * as z from 'zod';

/** Most lines an order may have, and most of one SKU per line: a lab order, not a warehouse. */
export const MAX_ORDER_LINES = 10;
export const MAX_LINE_QUANTITY = 100;

const orderLine = z.object({
  sku: z.string().regex(/^[A-Z0-9-]{1,32}$/, 'must be 1 to 32 upper-case letters, digits or hyphens'),
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
});

/** The body of `POST /orders`. */
export const orderRequestSchema = z.object({
  customerEmail: z.email(),
  amountCents: z.number().int().min(1).max(100_000_000),
  items: z.array(orderLine).min(1).max(MAX_ORDER_LINES),
});

export type OrderRequest = z.infer<typeof orderRequestSchema>;

/** The OrderPlaced event the intake publishes and every worker reads (raw delivery: the SQS body). */
export const orderPlacedSchema = orderRequestSchema.extend({
  type: z.literal('OrderPlaced'),
  orderId: z.uuid(),
  correlationId: z.string().min(1).max(128),
  placedAt: z.iso.datetime(),
});

export type OrderPlaced = z.infer<typeof orderPlacedSchema>;

/** The SNS message attribute (and so SQS message attribute) carrying the request's correlation id. */
export const CORRELATION_ID_ATTRIBUTE = 'correlationId';

/**
 * The published form of an OrderPlaced: the body (keys in the schema's order) and the message
 * attributes SNS passes on to every queue. The intake publishes it; a lab that redelivers an order
 * sends exactly this, so a worker cannot tell the copy from the original.
 */
export function orderPlacedMessage(order: OrderPlaced): { readonly body: string; readonly attributes: Record<string, { DataType: 'String'; StringValue: string }> } {
  return {
    body: JSON.stringify(orderPlacedSchema.parse(order)),
    attributes: { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: order.correlationId } },
  };
}
