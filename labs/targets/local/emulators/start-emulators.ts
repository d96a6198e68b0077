import { LOCAL_CREDENTIALS, LOCAL_REGION, type Endpoints, type ServiceName } from '../model';
import { findJava, startDynamoDbLocal } from './dynamodb';
import { startFauxqs, startFauxqsInProcess, type InProcessServe, type StartedEmulator } from './fauxqs';
import { describeExit } from './health';
import { startKinesisLocal } from './kinesis';
import { releaseExitHooksIfIdle } from './process';

/** The emulator programs; fauxqs serves both SQS and SNS. */
export type EmulatorName = 'fauxqs' | 'kinesis-local' | 'dynamodb-local';

export interface EmulatorProcessInfo {
  readonly name: EmulatorName;
  readonly services: readonly ServiceName[];
  readonly endpoint: string;
  /** The process started here (the watchdog, or the emulator itself) and the emulator's own pid. */
  readonly pid: number | undefined;
  readonly emulatorPid: number | undefined;
}

export interface StartEmulatorsOptions {
  /** Progress lines and the emulators' own output. */
  readonly log?: (line: string) => void;
  /** Called once if an emulator exits before `stop()`: the run cannot go on without it. */
  readonly onExit?: (error: Error) => void;
  /** The host:port SQS queue URLs name (the endpoint of `labs up`). @default - the emulator's own */
  readonly queueUrlHost?: string;
  /**
   * Serve fauxqs inside this process (`labs up`: its endpoint hands requests over with no network
   * hop). Needs Node's own ES module loader, which a CommonJS test runner does not offer.
   * @default false - a child process
   */
  readonly inProcess?: boolean;
}

export interface RunningEmulators {
  readonly services: readonly ServiceName[];
  readonly endpoints: Endpoints;
  readonly processes: readonly EmulatorProcessInfo[];
  /** How long the start took, until every emulator answered. */
  readonly startMillis: number;
  /** Serves a request of a service whose emulator runs inside this process, with no network hop. */
  readonly servedInProcess: Partial<Record<ServiceName, InProcessServe>>;
  /**
   * Environment for code that should talk to the local cloud: `AWS_ENDPOINT_URL_<SERVICE>` for each
   * running service, the local region and credentials.
   */
  environment(): Record<string, string>;
  /** Throws (e.g. `kinesis-local exited with code 1 during the run`) if an emulator has died. */
  ensureHealthy(): void;
  /** Stops every emulator and waits for them to exit. Safe to call twice. */
  stop(): Promise<void>;
}

const EMULATOR_OF: Record<ServiceName, EmulatorName> = {
  sqs: 'fauxqs',
  sns: 'fauxqs',
  kinesis: 'kinesis-local',
  dynamodb: 'dynamodb-local',
};
const STARTERS: Record<EmulatorName, (log?: (line: string) => void, queueUrlHost?: string) => Promise<StartedEmulator>> = {
  fauxqs: startFauxqs,
  'kinesis-local': startKinesisLocal,
  'dynamodb-local': startDynamoDbLocal,
};
const ENV_SUFFIX: Record<ServiceName, string> = { sqs: 'SQS', sns: 'SNS', kinesis: 'KINESIS', dynamodb: 'DYNAMODB' };

/**
 * Starts the emulators the given services need (only those), in parallel, each on free loopback
 * ports, and waits until each answers. A missing prerequisite (`java`) fails before anything starts;
 * if one emulator fails to start, the others are stopped.
 */
export async function startEmulators(
  services: Iterable<ServiceName>,
  options: StartEmulatorsOptions = {},
): Promise<RunningEmulators> {
  const started = Date.now();
  const wanted = [...new Set(services)].sort();
  const names = [...new Set(wanted.map((service) => EMULATOR_OF[service]))];
  if (names.includes('dynamodb-local')) {
    findJava();
  }
  const log = options.log;
  const start = (name: EmulatorName): Promise<StartedEmulator> =>
    name === 'fauxqs' && options.inProcess === true ? startFauxqsInProcess(options.queueUrlHost) : STARTERS[name](log, options.queueUrlHost);
  const results = await Promise.allSettled(names.map(start));
  const running = results.flatMap((result, index) =>
    result.status === 'fulfilled' ? [{ name: names[index], ...result.value }] : [],
  );
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(running.map((emulator) => emulator.process.stop()));
    releaseExitHooksIfIdle();
    throw failure.reason;
  }

  // An emulator serves every service it can, asked for or not: fauxqs started for SQS is also the SNS
  // of this set. A second fauxqs for SNS alone would hold topics whose SQS subscriptions name queues
  // it does not have, and every delivery to them would be dropped.
  const served = (Object.keys(EMULATOR_OF) as ServiceName[]).filter((service) => names.includes(EMULATOR_OF[service])).sort();
  const endpoints: Endpoints = {};
  const servedInProcess: RunningEmulators['servedInProcess'] = {};
  for (const service of served) {
    const emulator = running.find((candidate) => candidate.name === EMULATOR_OF[service]);
    endpoints[service] = emulator?.endpoint;
    if (emulator?.serve) servedInProcess[service] = emulator.serve;
  }
  let death: Error | undefined;
  let stopped: Promise<void> | undefined;
  for (const emulator of running) {
    void emulator.process.exited.then((exit) => {
      if (emulator.process.isStopping || death) {
        return;
      }
      const output = emulator.process.output();
      death = new Error(
        `${emulator.name} ${describeExit(exit)} during the run${output ? `; its last output:\n${output}` : ''}`,
      );
      log?.(death.message);
      options.onExit?.(death);
    });
  }
  const startMillis = Date.now() - started;
  log?.(`emulators ready in ${(startMillis / 1000).toFixed(1)} s: ${describeEndpoints(endpoints)}`);

  return {
    services: served,
    endpoints,
    startMillis,
    servedInProcess,
    processes: running.map((emulator) => ({
      name: emulator.name,
      services: served.filter((service) => EMULATOR_OF[service] === emulator.name),
      endpoint: emulator.endpoint,
      pid: emulator.process.pid,
      emulatorPid: emulator.process.emulatorPid,
    })),
    environment: () => ({
      ...Object.fromEntries(
        served.map((service) => [`AWS_ENDPOINT_URL_${ENV_SUFFIX[service]}`, endpoints[service] ?? '']),
      ),
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    }),
    ensureHealthy: () => {
      if (death) {
        throw death;
      }
    },
    stop: () => {
      stopped ??= Promise.all(running.map((emulator) => emulator.process.stop())).then(() =>
        releaseExitHooksIfIdle(),
      );
      return stopped;
    },
  };
}

function describeEndpoints(endpoints: Endpoints): string {
  return Object.entries(endpoints)
    .map(([service, endpoint]) => `${service} ${endpoint}`)
    .join(', ');
}
