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

test('labs --help into a reader that closed the pipe (`labs --help | head -0`) ends without a crash', async () => {
  // GIVEN a reader that closed its end of the pipe before the first write
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', '..', 'bin', 'labs.ts'), '--help'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.destroy();
  // WHEN it exits
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // THEN no unhandled EPIPE: a clean exit and nothing on stderr
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
}, 60_000);
