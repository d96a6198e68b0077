import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** How an emulator process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SupervisedProcessOptions {
  /** Emulator name used in logs and errors (`kinesis-local`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Run the command under the watchdog (`watchdog.mjs`), which kills it when this process goes
   * away. A node script that watches its own stdin (the fauxqs server) does not need one.
   */
  readonly watchdog: boolean;
  /** Output lines of the emulator, prefixed with its name. */
  readonly log?: (line: string) => void;
}

const OUTPUT_LINES_KEPT = 40;
const STOP_GRACE_MS = 5000;
const WATCHDOG = join(__dirname, 'watchdog.mjs');

/**
 * One emulator process whose lifetime is bound to this one: it is killed on `stop()`, on this
 * process's exit (normal or uncaught error), on SIGINT/SIGTERM, and, through the stdin pipe it
 * (or its watchdog) holds, when this process dies abruptly.
 */
export class SupervisedProcess {
  readonly name: string;
  /** The emulator's own pid once known (the watchdog reports it; without one it is `pid`). */
  emulatorPid: number | undefined;
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly recentOutput: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private exit: ProcessExit | undefined;
  private stopping = false;

  constructor(options: SupervisedProcessOptions) {
    this.name = options.name;
    const args = options.watchdog ? [WATCHDOG, options.command, ...options.args] : [...options.args];
    const command = options.watchdog ? process.execPath : options.command;
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.watchdog ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    });
    if (!options.watchdog) {
      this.emulatorPid = this.child.pid;
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
      this.child.once('error', (error) => {
        this.remember(`cannot start: ${error.message}`);
        this.exit ??= { code: 127, signal: null };
        live.delete(this);
        resolve(this.exit);
      });
    });
    // A failed write to the stdin pipe (the child is gone) is reported through `exited`.
    this.child.stdin?.on('error', () => undefined);
    const lines = (stream: Readable | null | undefined, onLine: (line: string) => void): void => {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (pending + chunk).split('\n');
        pending = parts.pop() ?? '';
        parts.forEach(onLine);
      });
      stream?.on('end', () => pending !== '' && onLine(pending));
    };
    const onOutput = (line: string): void => {
      this.remember(line);
      this.lineListeners.forEach((listener) => listener(line));
      options.log?.(`[${this.name}] ${line}`);
    };
    lines(this.child.stdout, onOutput);
    lines(this.child.stderr, onOutput);
    if (options.watchdog) {
      lines(this.child.stdio[3] as Readable | null, (line) => {
        const pid = Number(line.trim());
        if (Number.isInteger(pid) && pid > 0) {
          this.emulatorPid = pid;
        }
      });
    }
    live.add(this);
    installExitHooks();
  }

  /** The pid of the process this object spawned (the watchdog, or the emulator itself). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get exitInfo(): ProcessExit | undefined {
    return this.exit;
  }

  /** The last lines the emulator printed, for error messages. */
  output(): string {
    return this.recentOutput.join('\n');
  }

  /** Calls `listener` with each output line from now on; returns a function that unsubscribes. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** True once `stop()` was called: an exit after that is expected, not a crash. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Terminates the emulator (SIGTERM, then SIGKILL after a grace period) and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exit) {
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.killNow(), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort (exit hooks): SIGKILL the emulator and its watchdog. */
  killNow(): void {
    this.stopping = true;
    for (const pid of new Set([this.emulatorPid, this.child.pid])) {
      if (pid !== undefined && this.exit === undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  private remember(line: string): void {
    this.recentOutput.push(line);
    if (this.recentOutput.length > OUTPUT_LINES_KEPT) {
      this.recentOutput.shift();
    }
  }
}

/** Spawns `options.command` as a supervised emulator process. */
export function spawnSupervised(options: SupervisedProcessOptions): SupervisedProcess {
  return new SupervisedProcess(options);
}

const live = new Set<SupervisedProcess>();
/** Synchronous cleanups (e.g. removing a cloud assembly) due on the same paths as the emulators' kill. */
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const SIGNAL_NUMBERS: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15 };
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) {
    child.killNow();
  }
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // The process is going away: one failed cleanup must not keep the others from running.
    }
  }
}

/**
 * Runs `cleanup` (synchronous) when this process ends by any path the emulators are killed on: normal
 * exit, uncaught error, SIGINT/SIGTERM. A signal ends the process by re-raising it, which skips
 * `process.on('exit')` listeners, so a plain 'exit' listener would be left out. Returns a function
 * that withdraws the cleanup (call it once the cleanup was done the ordinary way).
 */
export function runOnProcessEnd(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  installExitHooks();
  return () => {
    cleanups.delete(cleanup);
    releaseExitHooksIfIdle();
  };
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  killAll();
  removeExitHooks();
  // With no other listener left, die of the signal as an unhandled one would (exit code 128 + n);
  // a command that handles the signal itself keeps control of how it exits.
  if (process.listenerCount(signal) === 0) {
    process.exitCode = 128 + SIGNAL_NUMBERS[signal];
    process.kill(process.pid, signal);
  }
}

function installExitHooks(): void {
  if (hooksInstalled) {
    return;
  }
  hooksInstalled = true;
  // 'exit' also fires after an uncaught exception or unhandled rejection ends the process.
  process.on('exit', killAll);
  for (const signal of SIGNALS) {
    process.on(signal, onSignal);
  }
}

function removeExitHooks(): void {
  if (!hooksInstalled) {
    return;
  }
  hooksInstalled = false;
  process.off('exit', killAll);
  for (const signal of SIGNALS) {
    process.off(signal, onSignal);
  }
}

/** Removes the exit and signal hooks once no supervised process and no cleanup is left. */
export function releaseExitHooksIfIdle(): void {
  if (live.size === 0 && cleanups.size === 0) {
    removeExitHooks();
  }
}
