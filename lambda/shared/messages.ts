import { ParseError, parse } from '@aws-lambda-powertools/parser';
import type { ZodType, output } from 'zod';
import { decodeKinesisText } from './codecs';
import { InvalidMessageError, type MessageIssue } from './invalid-message';

export { InvalidMessageError, type MessageIssue } from './invalid-message';

/**
 * Validates a decoded message (a synchronous invocation's event, a parsed body) with Powertools
 * parser; `location` names where it came from (`body`, `request`), as the prefix of every issue path.
 */
export function parseMessage<S extends ZodType>(value: unknown, schema: S, location: string): output<S> {
  try {
    // The Standard Schema output of a zod schema is its zod output; TypeScript cannot see that through S.
    return parse(value, undefined, schema) as output<S>;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    throw new InvalidMessageError(issuesOf(error, location), { cause: error });
  }
}

/**
 * Decodes a message that carries JSON as text (an SQS body, an SNS Message), then validates it as
 * parseMessage does.
 *
 * The text is decoded here, with JSON.parse, rather than by the parser's envelopes or its
 * JSONStringified helper: those import zod's whole namespace, every locale included, which more than
 * doubles a function bundle. The parser's core `parse` takes our schema as it is.
 */
export function parseJsonMessage<S extends ZodType>(text: string, schema: S, location: string): output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidMessageError([{ path: location, message: `not JSON (${(error as Error).message})` }], { cause: error });
  }
  return parseMessage(value, schema, location);
}

/** Like parseJsonMessage, for the base64-encoded data of a Kinesis record as Lambda delivers it. */
export function parseKinesisMessage<S extends ZodType>(base64Data: string, schema: S, location: string): output<S> {
  return parseJsonMessage(decodeKinesisText(base64Data), schema, location);
}

type PathSegment = PropertyKey | { readonly key: PropertyKey };

/** Powertools puts the Standard Schema issues of a failed parse in the error's cause. */
function issuesOf(error: ParseError, location: string): MessageIssue[] {
  const issues = Array.isArray(error.cause) ? (error.cause as { message: string; path?: readonly PathSegment[] }[]) : [];
  if (issues.length === 0) return [{ path: location, message: error.message }];
  return issues.map((issue) => ({
    path: [location, ...(issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment))].join('.'),
    message: issue.message,
  }));
}

/**
 * The message in `text` when it is JSON its schema accepts, otherwise undefined: for a lab reading
 * back a queue or a stream that may also hold other runs' or other tools' messages.
 */
export function readJsonMessage<S extends ZodType>(text: string | undefined, schema: S): output<S> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
