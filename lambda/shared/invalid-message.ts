/**
 * The error of a message that is not what its schema describes, in a file of its own: pure cores (no
 * Powertools) throw it too, and importing it from here keeps the parser out of their imports.
 */

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
