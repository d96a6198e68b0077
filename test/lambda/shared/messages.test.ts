import * as z from 'zod';
import { InvalidMessageError, parseJsonMessage } from '../../../lambda/shared/messages';

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
