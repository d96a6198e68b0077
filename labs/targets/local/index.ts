import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { relative } from 'node:path';
import type { LabModule } from '../../../lib/modules';
import type { LabClients, OpenOptions, Target, TargetSession } from '../target';
import { synthesizeModule, type SynthesizedStack } from './assembly';
import { localClientConfig, runOnProcessEnd, startEmulators, type RunningEmulators } from './emulators';
import { LOCAL_REGION, type LocalDeployment, type ServiceName } from './model';
import { provision, requiredServices } from './provisioner';
import { startRuntime, type LambdaRuntime } from './runtime';

export interface LocalOpenOptions extends OpenOptions {
  /** Delays before the retries of asynchronous invocations (SNS -> Lambda). @default the runtime's */
  readonly asyncRetryDelaysMs?: readonly number[];
}

/** How long each step of opening the local cloud took (the cold start is `totalMillis`). */
export interface LocalTimings {
  readonly synthMillis: number;
  readonly emulatorsMillis: number;
  readonly provisionMillis: number;
  readonly runtimeMillis: number;
  readonly totalMillis: number;
}

/** A local session, with the parts tests and benchmarks look into besides the Target contract. */
export interface LocalSession extends TargetSession {
  readonly target: 'local';
  readonly deployment: LocalDeployment;
  readonly runtime: LambdaRuntime;
  readonly emulators: RunningEmulators;
  readonly timings: LocalTimings;
  /** The emulator death that ended the run (`kinesis-local exited with code 137 during the run`), if any. */
  failure(): Error | undefined;
}

/**
 * The local cloud as a lab target: synthesizes the module with its handlers bundled, starts the
 * emulators the template needs, provisions the template into them and runs its functions.
 */
export const localTarget: Target = {
  name: 'local',
  open: (module, options) => openLocal(module, options),
};

/**
 * Opens `module` on the local cloud (see ARCHITECTURE.md, "Data flow of one lab run", steps 1 to 4).
 * Whatever fails part-way, everything started so far is stopped and the assembly removed before the
 * error is rethrown. An emulator that dies later fails every pending and later call of the session
 * with the emulator's exit, instead of leaving the lab waiting.
 */
export async function openLocal(module: LabModule, options: LocalOpenOptions = {}): Promise<LocalSession> {
  const log = options.log ?? (() => undefined);
  const verbose = options.verbose ?? false;
  const detail = verbose ? log : undefined;
  const watch = new DeathWatch();
  const parts: Parts = {};
  const close = closer(parts, watch, log);
  const opened = Date.now();
  const step = async <T>(run: () => T | Promise<T>): Promise<[T, number]> => {
    const started = Date.now();
    const value = await run();
    return [value, Date.now() - started];
  };

  try {
    log(`synthesizing ${module.stackId} with its handlers bundled...`);
    const [synthesized, synthMillis] = await step(() =>
      synthesizeModule(module, {
        ...(options.context ? { context: options.context } : {}),
        ...(options.stackPrefix ? { stackPrefix: options.stackPrefix } : {}),
        bundling: true,
      }),
    );
    parts.synthesized = synthesized;
    parts.removeAssemblyOnExit = removeOnProcessExit(synthesized);
    log(`synthesized ${synthesized.stackName} in ${seconds(synthMillis)} into ${relative(process.cwd(), synthesized.assemblyDir)}`);

    const services = requiredServices(synthesized.template);
    log(`starting emulators for ${services.join(', ')}...`);
    const [emulators, emulatorsMillis] = await step(() =>
      startEmulators(services, {
        ...(detail ? { log: detail } : {}),
        onExit: (error) => {
          watch.fail(error);
          log(error.message);
        },
      }),
    );
    parts.emulators = emulators;
    log(`emulators ready in ${seconds(emulators.startMillis)} (cold start): ${describeEndpoints(emulators)}`);

    const [deployment, provisionMillis] = await step(() =>
      provision({
        template: synthesized.template,
        stackName: synthesized.stackName,
        assemblyDir: synthesized.assemblyDir,
        emulators,
        ...(detail ? { log: detail } : {}),
      }),
    );
    const created = Object.keys(deployment.resources ?? {}).length;
    const skipped = deployment.skipped ?? [];
    log(
      `provisioned ${created} resources in ${seconds(provisionMillis)}, ${skipped.length} skipped (no local meaning: ${describeSkipped(skipped)})`,
    );

    const [runtime, runtimeMillis] = await step(() =>
      startRuntime(deployment, {
        emulators,
        log,
        verbose,
        ...(options.asyncRetryDelaysMs ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs } : {}),
      }),
    );
    parts.runtime = runtime;
    // After an emulator died, every poller fails the same way each second: the death was said once.
    runtime.onError((fault) => {
      if (watch.error === undefined) log(`local runtime: ${fault.source}: ${fault.error.message}`);
    });
    log(
      `runtime up in ${seconds(runtimeMillis)}: ${deployment.functions.length} functions, ${deployment.eventSources.length} event sources`,
    );

    const clients = localClients(emulators, runtime, watch);
    parts.clients = clients;
    const timings: LocalTimings = { synthMillis, emulatorsMillis, provisionMillis, runtimeMillis, totalMillis: Date.now() - opened };
    log(`local cloud ready in ${seconds(timings.totalMillis)}`);
    watch.ensureAlive();
    return {
      target: 'local',
      region: LOCAL_REGION,
      stackName: synthesized.stackName,
      outputs: deployment.outputs,
      clients: clients.clients,
      deployment,
      runtime,
      emulators,
      timings,
      failure: () => watch.error,
      close,
    };
  } catch (error) {
    await close().catch((cleanupError: unknown) => log(`could not clean up after a failed start: ${String(cleanupError)}`));
    throw watch.error ?? error;
  }
}

interface Parts {
  synthesized?: SynthesizedStack;
  removeAssemblyOnExit?: () => void;
  emulators?: RunningEmulators;
  runtime?: LambdaRuntime;
  clients?: { readonly clients: LabClients; destroy(): void };
}

/** Stops what was started, in reverse order, once; every step runs even if an earlier one fails. */
function closer(parts: Parts, watch: DeathWatch, log: (line: string) => void): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (run: () => unknown): Promise<void> => {
        try {
          await run();
        } catch (error) {
          errors.push(error);
        }
      };
      await attempt(() => parts.runtime?.stop());
      await attempt(() => parts.clients?.destroy());
      await attempt(() => parts.emulators?.stop());
      await attempt(() => parts.synthesized?.close());
      parts.removeAssemblyOnExit?.();
      if (watch.error !== undefined) log(`local cloud stopped; the run was cut short: ${watch.error.message.split('\n')[0]}`);
      if (errors.length > 0) throw new AggregateError(errors, `stopping the local cloud failed: ${errors.map(String).join('; ')}`);
    })();
    return closing;
  };
}

/**
 * Remembers the first emulator death and fails with it: `pending` rejects at that moment, so calls
 * raced against it stop waiting; `ensureAlive` fails calls made afterwards.
 */
class DeathWatch {
  error: Error | undefined;
  readonly pending: Promise<never>;
  private rejectPending: (error: Error) => void = () => undefined;

  constructor() {
    this.pending = new Promise<never>((_resolve, reject) => {
      this.rejectPending = reject;
    });
    // Nobody may be waiting when it happens; the rejection is still delivered to later racers.
    this.pending.catch(() => undefined);
  }

  fail(error: Error): void {
    if (this.error !== undefined) return;
    this.error = error;
    this.rejectPending(error);
  }

  ensureAlive(): void {
    if (this.error !== undefined) throw this.error;
  }

  async guard<T>(call: () => Promise<T>): Promise<T> {
    this.ensureAlive();
    try {
      return await Promise.race([call(), this.pending]);
    } catch (error) {
      // A call cut off by the death may fail (connection reset) before the emulator's exit is seen:
      // wait a moment for it, so the caller learns the cause rather than the symptom.
      if (this.error === undefined && !isServiceResponse(error)) {
        await Promise.race([this.pending, new Promise((resolve) => setTimeout(resolve, DEATH_NOTICE_MS))]).catch(() => undefined);
      }
      throw this.error ?? error;
    }
  }

  /** Puts every call of an SDK client under the watch (`initialize` runs first, before any retry). */
  watchClient(client: GuardableClient): void {
    client.middlewareStack.add((next) => (args) => this.guard(() => next(args)), {
      step: 'initialize',
      name: 'localCloudDeathWatch',
    });
  }
}

/** How long a failed call waits for an emulator's exit to be noticed before failing with its own error. */
const DEATH_NOTICE_MS = 250;

/** An error the service answered with (it has an HTTP status), as opposed to a connection that failed. */
function isServiceResponse(error: unknown): boolean {
  return typeof (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode === 'number';
}

/** The part of an SDK v3 client's middleware stack the watch uses. */
interface GuardableClient {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** The scenario's SDK clients, pointed at the emulators, and the runtime's synchronous invoke, all under the watch. */
function localClients(emulators: RunningEmulators, runtime: LambdaRuntime, watch: DeathWatch) {
  const endpoint = (service: ServiceName): string =>
    // A client of a service the module does not use is still built; its calls fail with this address.
    emulators.endpoints[service] ?? 'http://127.0.0.1:9';
  const sqs = new SQSClient(localClientConfig(endpoint('sqs')));
  const sns = new SNSClient(localClientConfig(endpoint('sns')));
  const kinesis = new KinesisClient(localClientConfig(endpoint('kinesis')));
  const dynamodb = new DynamoDBClient(localClientConfig(endpoint('dynamodb')));
  for (const client of [sqs, sns, kinesis, dynamodb]) watch.watchClient(client);
  const documentClient = DynamoDBDocumentClient.from(dynamodb);
  return {
    clients: {
      sqs,
      sns,
      kinesis,
      dynamodb: documentClient,
      lambda: { invoke: (functionName: string, payload: unknown) => watch.guard(() => runtime.invoke(functionName, payload)) },
    } satisfies LabClients,
    destroy: () => [sqs, sns, kinesis, dynamodb].forEach((client) => client.destroy()),
  };
}

/** Removes the assembly if the process ends before `close()` (exit, uncaught error, Ctrl-C, SIGTERM). */
function removeOnProcessExit(synthesized: SynthesizedStack): () => void {
  return runOnProcessEnd(() => synthesized.close());
}

function describeEndpoints(emulators: RunningEmulators): string {
  return emulators.processes.map((p) => `${p.name} ${p.endpoint}`).join(', ');
}

function describeSkipped(skipped: NonNullable<LocalDeployment['skipped']>): string {
  const byType = new Map<string, number>();
  for (const resource of skipped) byType.set(resource.type, (byType.get(resource.type) ?? 0) + 1);
  return [...byType].map(([type, count]) => `${count} ${type}`).join(', ') || 'none';
}

function seconds(millis: number): string {
  return `${(millis / 1000).toFixed(1)} s`;
}
