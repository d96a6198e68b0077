import { labs } from './cli-process';

/**
 * A count above its documented maximum is refused before anything starts: exit code 2, the limit in
 * one line, the usage hint, and no stack dump (`--records 100000000` once ended in a V8 heap abort).
 */
test('labs stream --records 100000000 exits 2 naming the limit, with no stack dump', async () => {
  const run = await labs('stream', '--records', '100000000');
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines).toEqual([
    "error: option '--records <n>' argument '100000000' is invalid. --records must be between 1 and 10000, but 100000000 was provided.",
    'Usage: labs stream [options]; run `labs stream --help` for the options',
  ]);
}, 60_000);
