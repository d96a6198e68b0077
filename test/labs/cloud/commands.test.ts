import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../labs/cli';
import type { Target } from '../../../labs/targets/target';
import { MODULES } from '../../../lib/modules';

const dir = mkdtempSync(join(tmpdir(), 'labs-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function labs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { LABS_CLOUD_STATE: join(dir, 'cloud.json') },
  };
  const targetFor = (): Target => {
    throw new Error('no target in this test');
  };
  const code = await runCli(['node', 'labs', ...args], { io, targetFor });
  return { code, stdout, stderr };
}

describe('the cloud commands', () => {
  test.each([['up'], ['outputs']])('labs %s fails as a usage error (exit 2) if the module is unknown, naming the modules', async (command) => {
    const run = await labs(command, 'nosuch');
    expect([run.code, run.stderr]).toEqual([2, `error: unknown module 'nosuch': choose one of ${MODULES.map((m) => m.name).join(', ')}\nrun \`labs ${command} --help\` for the options\n`]);
  });

  test.each([['env'], ['outputs', 'fanout'], ['logs']])('labs %s fails with one line saying how to start a cloud when none runs', async (...args) => {
    const run = await labs(...args);
    expect([run.code, run.stderr]).toEqual([1, 'labs: no local cloud is running: start one with `npx labs up` (in another terminal)\n']);
  });

  test('labs down says so when no cloud runs, and succeeds', async () => {
    const run = await labs('down');
    expect([run.code, run.stdout]).toEqual([0, 'no local cloud is running\n']);
  });

  test('labs up refuses a port out of range as a usage error', async () => {
    const run = await labs('up', '--port', '70000');
    expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(/--port takes a port between 0 and 65535, but '70000' was provided/)]);
  });
});
