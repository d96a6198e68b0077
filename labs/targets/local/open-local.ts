import { relative } from 'node:path';
import type { LabModule } from '../../../lib/modules';
import { attachToCloud } from '../../cloud/attach';
import { storeLogSource } from '../log-source';
import { outputReader, type LabClients, type OpenOptions, type StackRedeploy, type StackTemplate, type Target, type TargetSession } from '../target';
import { synthesizeModule, type SynthesizedStack } from './assembly';
import { DeathWatch } from './death-watch';
import { runOnProcessEnd, startEmulators, type RunningEmulators } from './emulators';
import { localClients } from './local-clients';
import { LOCAL_REGION, type LocalDeployment } from './model';
import { provision, requiredServices, updateStack, type StackUpdate } from './provisioner';
import { startRuntime, type LambdaRuntime } from './runtime';
import { startHttpApis, type HttpApiServers } from './runtime/http-api';

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
export interface LocalSession<Output extends string = string> extends TargetSession<Output> {
  readonly target: 'local';
  /** Every output the provisioner computed, by key. */
  readonly outputs: Readonly<Record<string, string>>;
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
  // A lab attaches to the cloud `labs up` keeps running when it has the module, else builds its own.
  open: async (module, options) => (await attachToCloud(module, options)) ?? openLocal(module, options),
};

/**
 * Opens `module` on the local cloud (see ARCHITECTURE.md, "Data flow of one lab run", steps 1 to 4).
 * Whatever fails part-way, everything started so far is stopped and the assembly removed before the
 * error is rethrown. An emulator that dies later fails every pending and later call of the session
 * with the emulator's exit, instead of leaving the lab waiting.
 */
export async function openLocal<Output extends string>(module: LabModule<Output>, options: LocalOpenOptions = {}): Promise<LocalSession<Output>> {
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

    // The API's URL is a stack output, so its server listens before the template is provisioned.
    const httpApis = await startHttpApis((synthesized.template as { Resources?: Record<string, { Type: string }> }).Resources ?? {});
    parts.httpApis = httpApis;
    const [deployment, provisionMillis] = await step(() =>
      provision({
        httpApiEndpoints: httpApis.endpoints,
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
    httpApis.connect((name, event) => runtime.invoke(name, event), deployment.functions);
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
    let template = synthesized.template;
    let context: Readonly<Record<string, unknown>> = options.context ?? {};
    const redeploy = async (changed: Readonly<Record<string, unknown>>): Promise<StackRedeploy> => {
      const nextContext = { ...context, ...changed };
      log(`synthesizing ${module.stackId} again with ${Object.entries(changed).map(([k, v]) => `-c ${k}=${String(v)}`).join(' ')}...`);
      const next = synthesizeModule(module, { context: nextContext, ...(options.stackPrefix ? { stackPrefix: options.stackPrefix } : {}), bundling: true });
      try {
        // The functions keep running from the first assembly: an update that changed their code is refused.
        const update = await updateStack({ previous: template, next: next.template, deployment, emulators });
        Object.assign(deployment.outputs, update.outputsAfter);
        template = next.template;
        context = nextContext;
        return { changes: describeUpdate(update) };
      } finally {
        next.close();
      }
    };
    return {
      target: 'local',
      region: LOCAL_REGION,
      stackName: synthesized.stackName,
      outputs: deployment.outputs,
      output: outputReader(synthesized.stackName, deployment.outputs, `the synthesized template of ${module.stackId} does not add it: list it in the stack's outputs`),
      clients: clients.clients,
      template: async () => template as StackTemplate,
      logs: storeLogSource(() => runtime.logs()),
      redeploy,
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
  httpApis?: HttpApiServers;
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
      await attempt(() => parts.httpApis?.close());
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

/** Removes the assembly if the process ends before `close()` (exit, uncaught error, Ctrl-C, SIGTERM). */
function removeOnProcessExit(synthesized: SynthesizedStack): () => void {
  return runOnProcessEnd(() => synthesized.close());
}

function describeUpdate(update: StackUpdate): string[] {
  const steps = (u: StackUpdate['shardCounts'][number]): string => {
    const splits = u.steps.filter((s) => s.kind === 'split').length;
    return `${splits} SplitShard, ${u.steps.length - splits} MergeShards`;
  };
  return [
    ...update.properties.map((p) => {
      const resize = update.shardCounts.find((u) => u.logicalId === p.logicalId);
      return `${p.logicalId} ${p.property} ${JSON.stringify(p.from)} -> ${JSON.stringify(p.to)}${resize ? `: ${steps(resize)}` : ''}`;
    }),
    ...update.ignored.map((p) => `${p.logicalId} ${p.property} changed (${p.type}: no local meaning)`),
    ...update.outputs.map((o) => `output ${o.key} ${o.from} -> ${o.to}`),
  ];
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
