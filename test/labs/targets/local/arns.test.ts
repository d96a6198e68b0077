import { sourceTypeOf } from '../../../../labs/targets/local/arns';

describe('sourceTypeOf', () => {
  it.each([
    ['arn:aws:sqs:us-east-1:000000000000:work', 'sqs'],
    ['arn:aws:sns:us-east-1:000000000000:order-events', 'sns'],
    ['arn:aws:kinesis:us-east-1:000000000000:stream/orders', 'kinesis:stream'],
    ['arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/audit:1764547200', 'kinesis:consumer'],
    ['arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000', 'dynamodb:stream'],
  ])('names %s a %s source', (arn, type) => {
    expect(sourceTypeOf(arn)).toBe(type);
  });
});
