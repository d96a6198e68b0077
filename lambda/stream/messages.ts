import * as z from 'zod';
import { encodeKinesisData } from '../shared/codecs';
import { parseKinesisMessage, readJsonMessage } from '../shared/messages';

/**
 * The stream lab's record: its schema, its type, the encoder the lab puts records with, and the
 * decoders of both readers (a consumer function, which gets base64 from Lambda, and the lab, which
 * reads raw bytes back with GetRecords), so producer and consumers cannot drift apart.
 */

/**
 * Most work one record may ask for: a full batch of 100 records then takes 5 s, half the consumer
 * function's 10 s timeout.
 */
export const MAX_WORK_MS = 50;

/**
 * One clickstream event as the stream lab's producer puts it (the seed's `{eventId, userId, action,
 * timestamp}`, plus the run it belongs to so a lab can tell its own records from an earlier run's).
 * The partition key is `userId`. `workMs` asks every consumer to spend that long on the record, a
 * stand-in for real per-record processing (the parallelization and scaling labs measure with it).
 */
export const StreamEventSchema = z.object({
  runId: z.string().min(1),
  eventId: z.number().int().nonnegative(),
  userId: z.string().min(1),
  action: z.string().min(1),
  timestamp: z.string().min(1),
  workMs: z.number().int().min(0).max(MAX_WORK_MS).optional(),
});

export type StreamEvent = z.infer<typeof StreamEventSchema>;

/** The record data PutRecords takes for an event. */
export function encodeStreamEvent(event: StreamEvent): Uint8Array {
  return encodeKinesisData(event);
}

/** A record's data as Lambda delivers it (base64); InvalidMessageError names the offending field. */
export function parseStreamEvent(base64Data: string): StreamEvent {
  return parseKinesisMessage(base64Data, StreamEventSchema, 'data');
}

/** A record's data as GetRecords returns it, or undefined when it is not a stream event (a stream may hold anything). */
export function readStreamEvent(data: Uint8Array | undefined): StreamEvent | undefined {
  return readJsonMessage(data && new TextDecoder().decode(data), StreamEventSchema);
}

/** The same event as an SQS message body (the comparison queue of the stream lab): the record data's JSON. */
export function streamEventBody(event: StreamEvent): string {
  return new TextDecoder().decode(encodeStreamEvent(event));
}

/** A message body as the comparison queue returns it, or undefined when it is not a stream event. */
export function readStreamEventBody(body: string | undefined): StreamEvent | undefined {
  return readJsonMessage(body, StreamEventSchema);
}
