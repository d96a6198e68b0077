import type { TargetSession } from '../targets/target';

/**
 * Stack outputs arrive as strings. A missing or malformed one means the deployed stack does not match
 * this version of the lab: say which output and what to do.
 */
export function textOutput<Output extends string>(session: TargetSession<Output>, key: NoInfer<Output>): string {
  return session.output(key);
}

export function numberOutput<Output extends string>(session: TargetSession<Output>, key: NoInfer<Output>): number {
  const raw = textOutput(session, key);
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new Error(`stack output ${key} of ${session.stackName} must be a number, but '${raw}' was found`);
  }
  return value;
}

export function integerOutput<Output extends string>(session: TargetSession<Output>, key: NoInfer<Output>): number {
  const value = numberOutput(session, key);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`stack output ${key} of ${session.stackName} must be an integer, but '${value}' was found`);
  }
  return value;
}

/** A comma-separated output (`analytics,search`), blanks dropped. */
export function listOutput<Output extends string>(session: TargetSession<Output>, key: NoInfer<Output>): string[] {
  return textOutput(session, key)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
