import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { InvalidMessageError } from '../shared/invalid-message';
import type { Change } from './core';

/**
 * A product of the source catalogue, as the lab writes it and the projectors read it from the
 * stream's images. Prices are whole cents, so totals add up exactly.
 */
export const ProductSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(200),
  category: z.string().min(1).max(100),
  priceCents: z.number().int().nonnegative(),
});

export type Product = z.infer<typeof ProductSchema>;

/** Validates an image; the error names each offending field (`image.priceCents`), so a poison change is identified in the log. */
export function parseProduct(image: unknown): Product {
  const parsed = ProductSchema.safeParse(image);
  if (!parsed.success) {
    throw new InvalidMessageError(parsed.error.issues.map((issue) => ({ path: ['image', ...issue.path.map(String)].join('.'), message: issue.message })));
  }
  return parsed.data;
}

/** A DynamoDB attribute map in the stream's wire format (`{ price: { N: '12' } }`). */
const AttributeMapSchema = z.record(z.string(), z.custom<AttributeValue>((value) => typeof value === 'object' && value !== null));

/**
 * The part of a table-stream record a projector reads, images unmarshalled. Written here rather than
 * taken from the parser's DynamoDB schemas: those import zod's whole namespace, every locale included,
 * which quadruples a function bundle (the same reason lambda/shared/messages.ts decodes JSON itself).
 */
export const TableStreamRecordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string().min(1),
    Keys: AttributeMapSchema.transform((keys) => unmarshall(keys)),
    NewImage: AttributeMapSchema.transform((image) => unmarshall(image)).optional(),
  }),
});

export type TableStreamRecord = z.output<typeof TableStreamRecordSchema>;

/**
 * A validated stream record's change: what the projectors apply from Lambda's events and what a
 * rebuild applies from the stream it reads itself. `location` prefixes the path of a refused key.
 */
export function changeOf({ eventName, dynamodb }: TableStreamRecord, location = 'record'): Change {
  const itemId = (dynamodb.Keys as { id?: unknown }).id;
  if (typeof itemId !== 'string') throw new InvalidMessageError([{ path: `${location}.dynamodb.Keys.id`, message: 'the source table is keyed by a string id' }]);
  return { sequenceNumber: dynamodb.SequenceNumber, itemId, newImage: eventName === 'REMOVE' ? undefined : dynamodb.NewImage };
}
