/**
 * What an event source ARN names: its service, then the type of its innermost resource
 * (`arn:aws:kinesis:...:stream/orders/consumer/audit:1` is a `kinesis:consumer`, a queue ARN `sqs`,
 * a table's stream `dynamodb:stream`). The provisioner and the runtime both choose by it.
 */
export function sourceTypeOf(arn: string): string {
  const parts = arn.split(':');
  const segments = parts.slice(5).join(':').split('/');
  const service = parts[2] ?? '';
  return segments.length < 2 ? service : `${service}:${segments[segments.length - 2]}`;
}
