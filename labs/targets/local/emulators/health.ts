import { setTimeout as sleep } from 'node:timers/promises';
import { localClientConfig, type LocalClientConfig } from './client-config';
import type { StartedEmulator } from './fauxqs';
import type { ProcessExit, SupervisedProcess } from './process';

const POLL_INTERVAL_MS = 100;

/** The emulator process ended before it answered (e.g. its port was taken meanwhile). */
export class EmulatorExitedError extends Error {
  constructor(
    readonly emulator: string,
    readonly exit: ProcessExit,
    output: string,
  ) {
    super(`${emulator} ${describeExit(exit)} while starting${output ? `; its last output:\n${output}` : ''}`);
  }
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/**
 * Polls `check` until it succeeds; fails as soon as the process exits, or after `timeoutMs` (then
 * the process is stopped).
 */
export async function waitUntilHealthy(
  child: SupervisedProcess,
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = child.exitInfo;
    if (exit) {
      throw new EmulatorExitedError(child.name, exit, child.output());
    }
    try {
      await check();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      await child.stop();
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${child.name} did not answer within ${timeoutMs / 1000} s (last error: ${reason})`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Waits until the emulator at `endpoint` answers `probe` through an SDK client of its own (one
 * attempt per call, so a refused connection is retried here, not by the SDK), then hands it out.
 */
export async function waitUntilServing<C extends { destroy(): void }>(
  child: SupervisedProcess,
  endpoint: string,
  client: (config: LocalClientConfig & { readonly maxAttempts: number }) => C,
  probe: (client: C) => Promise<unknown>,
  timeoutMs: number,
): Promise<StartedEmulator> {
  const probing = client({ ...localClientConfig(endpoint), maxAttempts: 1 });
  try {
    await waitUntilHealthy(child, () => probe(probing), timeoutMs);
  } finally {
    probing.destroy();
  }
  return { endpoint, process: child };
}

/**
 * Starts an emulator on freshly chosen ports, again (up to `attempts` times) if it exits while
 * starting: another program may take a port between the moment the OS reported it free and the
 * moment the emulator binds it.
 */
export async function startWithRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof EmulatorExitedError) || attempt >= attempts) {
        throw error;
      }
    }
  }
}
