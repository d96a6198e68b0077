import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readState } from '../../../labs/cloud/state';

/** Runs the lab tool as a student would: `labs ...` in a child process, from the project root. */

const ROOT = join(__dirname, '..', '..', '..');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function labs(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'labs.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts the given work now, for a test to await later: a file's lab runs go side by side, each
 * awaited by its own test. A rejection before that test awaits it is that test's failure, not an
 * unhandled rejection of the file.
 */
export function started<T>(work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return work;
}

/** `labs(...args)` for each entry, all started at once (see `started`). */
export function labsSideBySide<K extends string>(runs: Readonly<Record<K, readonly string[]>>): Readonly<Record<K, Promise<CliRun>>> {
  return Object.fromEntries(Object.entries<readonly string[]>(runs).map(([name, args]) => [name, started(labs(...args))])) as Record<K, Promise<CliRun>>;
}

/**
 * The run's exit code, with its stderr only when it failed (its last `lastLines`, when given): compared
 * with `{ code: 0, stderr: '' }`, a failed run shows why it failed.
 */
export function exitWithStory(run: CliRun, lastLines?: number): { code: number | null; stderr: string } {
  if (run.code === 0) return { code: 0, stderr: '' };
  return { code: run.code, stderr: lastLines === undefined ? run.stderr : run.stderr.split('\n').slice(-lastLines).join('\n') };
}

/** Exactly one JSON object on stdout. */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  const lines = run.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(lines[0] as string) as T;
}

/** A `labs up` running in a child process, ready (its state file written). */
export interface RunningCloud {
  /** Stops the cloud (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `labs up <modules...>` on a free port, as a student keeps one running in another terminal, and
 * waits until it is ready. Labs started by `labs()` afterwards attach to it: they inherit this
 * process's LABS_CLOUD_STATE (test/setup-env.js gives every test process a state file of its own).
 */
export async function labsUp(modules: readonly string[], timeoutMs = 240_000): Promise<RunningCloud> {
  const statePath = process.env.LABS_CLOUD_STATE;
  if (statePath === undefined) throw new Error('LABS_CLOUD_STATE is not set: test/setup-env.js sets it for every test process');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'labs.ts'), 'up', ...modules, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (readState(statePath)?.pid === child.pid) return { stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`labs up ${modules.join(' ')} did not come up:\n${output}`);
    }
    await sleep(200);
  }
}
