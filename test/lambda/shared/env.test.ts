import { requireEnv, requireIntEnv } from '../../../lambda/shared/env';

describe('requireEnv', () => {
  test('returns the value that is set', () => {
    expect(requireEnv('TABLE_NAME', { TABLE_NAME: 'ledger' })).toBe('ledger');
  });

  test.each([
    ['missing', {}],
    ['empty', { TABLE_NAME: '' }],
  ])('fails if the variable is %s, naming it', (_case, env: NodeJS.ProcessEnv) => {
    expect(() => requireEnv('TABLE_NAME', env)).toThrow(/environment variable TABLE_NAME is not set/);
  });
});

describe('requireIntEnv', () => {
  test.each([
    ['0', 0],
    ['1', 1],
    ['86400', 86_400],
  ])('reads %s as %d', (raw, expected) => {
    expect(requireIntEnv('MAX_TASK_WORK_MS', { MAX_TASK_WORK_MS: raw })).toBe(expected);
  });

  test.each(['-1', '1.5', 'ten', '9007199254740993'])('fails if the value is %s, naming the variable and the value', (raw) => {
    expect(() => requireIntEnv('MAX_TASK_WORK_MS', { MAX_TASK_WORK_MS: raw })).toThrow(
      new RegExp(`environment variable MAX_TASK_WORK_MS must be a non-negative integer, but '${raw}' was provided`),
    );
  });

  test('fails if the variable is missing', () => {
    expect(() => requireIntEnv('MAX_TASK_WORK_MS', {})).toThrow(/environment variable MAX_TASK_WORK_MS is not set/);
  });
});
