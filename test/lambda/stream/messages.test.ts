import { InvalidMessageError } from '../../../lambda/shared/messages';
import { encodeStreamEvent, parseStreamEvent, readStreamEvent, type StreamEvent } from '../../../lambda/stream/messages';

const event: StreamEvent = { runId: 'run-1', eventId: 7, userId: 'alice', action: 'click', timestamp: '2026-01-01T00:00:00.000Z' };
const base64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('stream event', () => {
  test('what the lab puts is what a consumer function parses (Lambda hands it over base64-encoded)', () => {
    const lambdaData = Buffer.from(encodeStreamEvent(event)).toString('base64');
    expect(parseStreamEvent(lambdaData)).toEqual(event);
  });

  test('what the lab puts is what the lab reads back with GetRecords', () => {
    expect(readStreamEvent(encodeStreamEvent(event))).toEqual(event);
  });

  test.each<[string, unknown, RegExp]>([
    ['not JSON', 'not json', /^data: not JSON/],
    ['not an object', 42, /^data: /],
    ['a negative eventId', { ...event, eventId: -1 }, /^data\.eventId: /],
    ['an empty action', { ...event, action: '' }, /^data\.action: /],
    ['a missing runId and timestamp', { eventId: 1, userId: 'a', action: 'b' }, /^data\.runId: .*; data\.timestamp: /],
  ])('a consumer refuses %s with an InvalidMessageError naming the field', (_name, value, message) => {
    const data = typeof value === 'string' ? Buffer.from(value).toString('base64') : base64(value);
    expect(() => parseStreamEvent(data)).toThrow(InvalidMessageError);
    expect(() => parseStreamEvent(data)).toThrow(message);
  });

  test.each<[string, Uint8Array | undefined]>([
    ['no data', undefined],
    ['text that is not JSON', new TextEncoder().encode('hello')],
    ['JSON of another producer', new TextEncoder().encode(JSON.stringify({ orderId: 1 }))],
  ])('the lab skips a record with %s', (_name, data) => {
    expect(readStreamEvent(data)).toBeUndefined();
  });
});
