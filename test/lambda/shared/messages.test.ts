import * as z from 'zod';
import { InvalidMessageError, parseJsonMessage, parseKinesisMessage, parseMessage, readJsonMessage } from '../../../lambda/shared/messages';

const schema = z.object({ id: z.string().min(1), items: z.array(z.object({ count: z.int().min(0) })) });

function refusal(text: string): InvalidMessageError {
  try {
    parseJsonMessage(text, schema, 'body');
  } catch (error) {
    if (error instanceof InvalidMessageError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('parseJsonMessage', () => {
  test('returns the validated value of a JSON message', () => {
    expect(parseJsonMessage('{"id":"a","items":[{"count":2}],"extra":true}', schema, 'body')).toEqual({ id: 'a', items: [{ count: 2 }] });
  });

  test.each<[string, string, RegExp]>([
    ['text that is not JSON', '{"id": ', /^body: not JSON \(.+\)$/],
    ['JSON that is not an object', '"just a string"', /^body: /],
    ['a missing field', '{"items":[]}', /^body\.id: /],
    ['a field of the wrong type inside an array', '{"id":"a","items":[{"count":"two"}]}', /^body\.items\.0\.count: /],
  ])('fails, naming where, for %s', (_name, text, message) => {
    expect(refusal(text).message).toMatch(message);
  });

  test('lists every issue with its path', () => {
    const error = refusal('{"id":"","items":[{"count":-1}]}');
    expect(error.issues.map((issue) => issue.path)).toEqual(['body.id', 'body.items.0.count']);
  });

  test('keeps the underlying error as the cause', () => {
    expect(refusal('not json').cause).toBeInstanceOf(SyntaxError);
  });
});

describe('parseMessage', () => {
  test('validates a value that is already decoded', () => {
    expect(parseMessage({ id: 'a', items: [] }, schema, 'request')).toEqual({ id: 'a', items: [] });
  });

  test('refuses with the same error shape, naming the field', () => {
    expect(() => parseMessage({ items: [] }, schema, 'request')).toThrow(InvalidMessageError);
    expect(() => parseMessage({ items: [] }, schema, 'request')).toThrow(/^request\.id: /);
  });
});

describe('parseKinesisMessage', () => {
  const base64 = (text: string): string => Buffer.from(text).toString('base64');

  test('decodes base64 JSON', () => {
    expect(parseKinesisMessage(base64('{"id":"a","items":[]}'), schema, 'data')).toEqual({ id: 'a', items: [] });
  });

  test.each<[string, string, RegExp]>([
    ['base64 of text that is not JSON', base64('hello'), /^data: not JSON/],
    ['a missing field', base64('{"items":[]}'), /^data\.id: /],
  ])('refuses %s, naming where', (_name, data, message) => {
    expect(() => parseKinesisMessage(data, schema, 'data')).toThrow(InvalidMessageError);
    expect(() => parseKinesisMessage(data, schema, 'data')).toThrow(message);
  });
});

describe('readJsonMessage', () => {
  test.each<[string, string | undefined, unknown]>([
    ['a valid message', '{"id":"a","items":[]}', { id: 'a', items: [] }],
    ['no text', undefined, undefined],
    ['text that is not JSON', 'hello', undefined],
    ['JSON the schema refuses', '{"id":""}', undefined],
  ])('returns %s as the schema reads it, or nothing', (_name, text, expected) => {
    expect(readJsonMessage(text, schema)).toEqual(expected);
  });
});
