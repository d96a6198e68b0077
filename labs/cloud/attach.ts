import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabModule } from '../../lib/modules';
import { awsClients } from '../targets/aws';
import { outputReader, type OpenOptions, type StackTemplate, type TargetSession } from '../targets/target';
import type { LogEntry } from '../targets/local/runtime';
import { matching, type LogSource } from '../targets/log-source';
import { callControl } from './control-client';
import { isAlive, readState, statePath, type CloudState } from './state';

/**
 * A lab session on the running cloud (`labs up`), when it has the module as the lab needs it: no
 * synth, no emulators of its own. Undefined when there is no cloud, the cloud lacks the module, or the
 * lab's options change the stack (then the lab builds its own cloud, as without `labs up`).
 *
 * Labs of one module take turns: two fanout labs would consume each other's messages from the same
 * queues (and each receive counts towards the queue's redrive to its DLQ), so the second waits for the
 * first to finish. Labs of different modules run side by side.
 */
export async function attachToCloud(module: LabModule, options: OpenOptions, path = statePath()): Promise<TargetSession | undefined> {
  const state = readState(path);
  const running = state?.modules[module.name];
  if (state === undefined || running === undefined) return undefined;
  const log = options.log ?? (() => undefined);
  const changed = Object.keys(options.context ?? {});
  if (changed.length > 0 || (options.stackPrefix ?? '') !== '') {
    const why = changed.length > 0 ? `its options change the stack (${changed.join(', ')})` : `it asks for the stack prefix ${options.stackPrefix}`;
    log(`not using the local cloud on 127.0.0.1:${state.port}: ${why}; starting a local cloud of its own`);
    return undefined;
  }
  const releaseTurn = await takeTurn(`${path}.${module.name}.lock`, () => log(`another ${module.name} lab is running on the local cloud: waiting for it to finish`));
  const clients = awsClients({
    region: state.region,
    endpoint: state.url,
    credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
  });
  log(`using the local cloud on 127.0.0.1:${state.port}`);
  let closed = false;
  return {
    target: 'local',
    region: state.region,
    stackName: running.stackName,
    output: outputReader(running.stackName, running.outputs, `redeploy it into the local cloud with \`npx labs up ${module.name}\``),
    ...(running.templateFile !== undefined ? { template: templateReader(running.templateFile, module.name) } : {}),
    clients,
    logs: cloudLogSource(state),
    close: async () => {
      if (!closed) {
        clients.destroy();
        releaseTurn();
      }
      closed = true;
    },
  };
}

/**
 * The running cloud's log store, through its control API (`labs logs` reads the same): the cloud keeps
 * the lines of every module, and answers those that contain the text.
 */
export function cloudLogSource(state: CloudState, call: typeof callControl = callControl): LogSource {
  return {
    async search(query) {
      const entries = await call<LogEntry[]>(state, 'logs', { query: { function: '', since: String((query.sinceMs ?? 0) - 1), contains: query.contains } });
      return matching(entries.map((e) => ({ functionName: e.functionName, logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.line })), query);
    },
  };
}

/** Reads the template the cloud provisioned; one removed meanwhile says how to get it back. */
function templateReader(file: string, moduleName: string): () => Promise<StackTemplate> {
  return async () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as StackTemplate;
    } catch (error) {
      throw new Error(`the running local cloud's template of ${moduleName} cannot be read (${(error as Error).message}): redeploy it with \`npx labs up ${moduleName}\``, { cause: error });
    }
  };
}

const TURN_POLL_MS = 200;

/**
 * Takes the module's turn on the cloud (a lock file holding this pid), waiting while a live process
 * holds it; a holder that died (killed lab) leaves a stale file, which is taken over. Returns the release.
 */
async function takeTurn(lockPath: string, onWait: () => void): Promise<() => void> {
  let waited = false;
  let unreadable = 0;
  for (;;) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        if (readHolder(lockPath) === process.pid) rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockPath);
    // An empty file may be one being written this instant: only a second empty read makes it stale.
    unreadable = holder === undefined ? unreadable + 1 : 0;
    if ((holder !== undefined && !isAlive(holder)) || unreadable > 1) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (!waited) onWait();
    waited = true;
    await sleep(TURN_POLL_MS);
  }
}

function readHolder(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
