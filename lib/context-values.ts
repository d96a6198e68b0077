/**
 * Typed readers for CDK context values. Values given with `-c key=value` arrive as strings, values in
 * cdk.json or in-process apps as numbers; both are accepted and validated in the context key's terms.
 */
export function numberFromContext(read: (key: string) => unknown, key: string): number | undefined {
  const raw = read(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(String(raw));
  if (!Number.isFinite(value)) {
    throw new Error(`context value ${key} must be a number, but '${String(raw)}' was provided`);
  }
  return value;
}

/** A text context value (`-c alarmEmail=me@example.com`); absent or empty is undefined. */
export function textFromContext(read: (key: string) => unknown, key: string): string | undefined {
  const raw = read(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`context value ${key} must be text, but ${JSON.stringify(raw)} was provided`);
  return raw;
}

/** One of a few words (`-c consumerMappings=disabled`); absent or empty is undefined. */
export function choiceFromContext<Choice extends string>(read: (key: string) => unknown, key: string, choices: readonly Choice[]): Choice | undefined {
  const raw = textFromContext(read, key);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new Error(`context value ${key} must be one of ${choices.join(', ')}, but '${raw}' was provided`);
  }
  return raw as Choice;
}
