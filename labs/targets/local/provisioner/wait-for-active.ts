import { setTimeout as sleep } from 'node:timers/promises';

const ACTIVE_TIMEOUT_MS = 30_000;
const POLL_MS = 20;

/** Reads `read()` until `done` holds (the resource is ACTIVE), failing after 30 s. */
export async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000} s`);
    }
    await sleep(POLL_MS);
  }
}
