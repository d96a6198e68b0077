import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** One module provisioned in the running cloud. */
export interface CloudModuleState {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** Physical function names by logical id, for `labs logs`. */
  readonly functions: Readonly<Record<string, string>>;
  /** The loopback URL of each HTTP API of the stack, by its short name (logical id without CDK's hash). */
  readonly httpApis?: Readonly<Record<string, string>>;
  /** The synthesized template the cloud provisioned, for labs that read the stack's definitions (alarms). */
  readonly templateFile?: string;
}

/** What `labs up` writes for the commands of other terminals (`labs env`, `labs down`, attaching labs). */
export interface CloudState {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly startedAt: string;
  readonly modules: Readonly<Record<string, CloudModuleState>>;
  /** The modules' cloud assemblies: a cloud killed with SIGKILL cannot remove them, the next command does. */
  readonly assemblies?: readonly string[];
  /** The emulator processes behind the endpoint (loopback addresses, pids), for diagnosis. */
  readonly emulators: readonly { readonly name: string; readonly endpoint: string; readonly pid?: number; readonly emulatorPid?: number }[];
}

const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** Where the local target synthesizes (labs/targets/local/assembly.ts). */
const ASSEMBLIES_DIR = join(PROJECT_ROOT, '.cache', 'assemblies');

/** The state file; `LABS_CLOUD_STATE` moves it (tests keep their clouds apart with it). */
export function statePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LABS_CLOUD_STATE ?? join(PROJECT_ROOT, '.cache', 'cloud.json');
}

/** Writes the state atomically, readable by its owner only (it holds the cloud's secret key). */
export function writeState(state: CloudState, path = statePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Removes the state file if it still describes the cloud of `pid`. */
export function removeState(pid: number, path = statePath()): void {
  const raw = readRaw(path);
  if (raw !== undefined && raw.pid === pid) rmSync(path, { force: true });
}

/**
 * The running cloud, or undefined. A file whose process is gone (killed, crashed) is stale: it is
 * removed, never trusted; so is a file that cannot be read as a state.
 */
export function readState(path = statePath()): CloudState | undefined {
  const raw = readRaw(path);
  if (raw === undefined) return undefined;
  if (!isCloudState(raw) || !isAlive(raw.pid)) {
    for (const dir of (raw as Partial<CloudState>).assemblies ?? []) {
      // Only what lies under the assemblies folder: the file is not trusted.
      if (typeof dir === 'string' && dirname(resolve(dir)) === ASSEMBLIES_DIR) rmSync(dir, { recursive: true, force: true });
    }
    rmSync(path, { force: true });
    return undefined;
  }
  return raw;
}

/** The one-line error of every command that needs a running cloud. */
export const NO_CLOUD_MESSAGE = 'no local cloud is running: start one with `npx labs up` (in another terminal)';

export function requireState(path = statePath()): CloudState {
  const state = readState(path);
  if (state === undefined) throw new Error(NO_CLOUD_MESSAGE);
  return state;
}

function readRaw(path: string): (Partial<CloudState> & { pid?: unknown }) | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Partial<CloudState>;
  } catch {
    return {};
  }
}

function isCloudState(value: Partial<CloudState>): value is CloudState {
  return (
    Number.isInteger(value.pid) &&
    Number.isInteger(value.port) &&
    typeof value.url === 'string' &&
    typeof value.accessKeyId === 'string' &&
    typeof value.secretAccessKey === 'string' &&
    typeof value.modules === 'object' &&
    value.modules !== null
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
