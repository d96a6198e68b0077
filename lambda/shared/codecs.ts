/**
 * Codecs shared by producers and consumers, so both sides agree on the wire format.
 */

/** Kinesis hands record data to Lambda base64-encoded; producers put UTF-8 JSON. */
export function decodeKinesisText(base64Data: string): string {
  return Buffer.from(base64Data, 'base64').toString('utf8');
}

export function encodeKinesisData(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits that grow within a shard. Padded
 * to one width they compare correctly as strings, which is how DynamoDB condition expressions compare.
 */
export const SEQUENCE_NUMBER_WIDTH = 128;

export function comparableSequenceNumber(sequenceNumber: string): string {
  if (!/^\d{1,128}$/.test(sequenceNumber)) {
    throw new Error(`not a Kinesis sequence number: '${sequenceNumber}'`);
  }
  return sequenceNumber.padStart(SEQUENCE_NUMBER_WIDTH, '0');
}
