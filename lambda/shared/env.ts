/**
 * Reads one environment variable at module load. A function deployed without it fails at cold start
 * naming the variable, instead of failing later on an `undefined` table or queue name.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set: the stack must pass it to the function`);
  }
  return value;
}

/** Like requireEnv, for a non-negative integer (a count, a size, a number of milliseconds; 0 allowed). */
export function requireIntEnv(name: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = requireEnv(name, env);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative integer, but '${raw}' was provided`);
  }
  return value;
}
