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
