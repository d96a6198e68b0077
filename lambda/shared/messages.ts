import { ParseError, parse } from '@aws-lambda-powertools/parser';
import type { ZodType, output } from 'zod';

/** One reason a message was refused, at a dotted path (`body.workMs`). */
export interface MessageIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A message that is not the JSON its schema describes. The error message names every problem by its
 * field, so the log line reporting the failed record tells the producer what to fix.
 */
export class InvalidMessageError extends Error {
  constructor(
    readonly issues: readonly MessageIssue[],
    options?: ErrorOptions,
  ) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), options);
    this.name = 'InvalidMessageError';
  }
}

/**
 * Decodes a message that carries JSON as text (an SQS body, an SNS Message) and validates it with
 * Powertools parser; `location` names the field the text came from (`body`), as the prefix of every
 * issue path.
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
  try {
    // The Standard Schema output of a zod schema is its zod output; TypeScript cannot see that through S.
    return parse(value, undefined, schema) as output<S>;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    throw new InvalidMessageError(issuesOf(error, location), { cause: error });
  }
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
