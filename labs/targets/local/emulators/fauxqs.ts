import { join } from 'node:path';
import { LOCAL_REGION } from '../model';
import { EmulatorExitedError } from './health';
import { spawnSupervised, type SupervisedProcess } from './process';

const SERVER_SCRIPT = join(__dirname, 'fauxqs-server.mjs');
const START_TIMEOUT_MS = 15_000;

export interface StartedEmulator {
  readonly endpoint: string;
  readonly process: SupervisedProcess;
}

/**
 * fauxqs (SQS and SNS in one server) on a loopback port it picks itself and reports. Its queue URLs
 * name `queueUrlHost` (`127.0.0.1:4566`) when given, else the host each request came to.
 */
export async function startFauxqs(log?: (line: string) => void, queueUrlHost?: string): Promise<StartedEmulator> {
  const child = spawnSupervised({
    name: 'fauxqs',
    command: process.execPath,
    args: [SERVER_SCRIPT],
    env: { ...process.env, AWS_REGION: LOCAL_REGION, ...(queueUrlHost ? { FAUXQS_QUEUE_URL_HOST: queueUrlHost } : {}) },
    watchdog: false,
    ...(log ? { log } : {}),
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      void child.stop();
      reject(new Error(`fauxqs did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const unsubscribe = child.onLine((line) => {
      const match = /^\{"port":(\d+)\}$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        unsubscribe();
        resolve(Number(match[1]));
      }
    });
    void child.exited.then((exit) => {
      clearTimeout(timer);
      reject(new EmulatorExitedError('fauxqs', exit, child.output()));
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, process: child };
}
