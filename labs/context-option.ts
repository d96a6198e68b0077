/**
 * `-c key=value`, as `cdk deploy -c` takes it: values stay strings, as the CDK CLI gives them (the
 * stacks' context readers accept strings). One parser for every command that takes CDK context.
 */
export function contextPair(pair: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const at = pair.indexOf('=');
  if (at <= 0 || at === pair.length - 1) throw new Error(`context must be given as key=value, but '${pair}' was provided`);
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}

export function parseContext(pairs: readonly string[]): Record<string, string> {
  return pairs.reduce<Record<string, string>>((context, pair) => contextPair(pair, context), {});
}
