import { setTimeout as sleep } from 'node:timers/promises';
import type { LabModule } from '../../lib/modules';
import { synthesizeModule, type SynthesizedStack } from '../targets/local/assembly';
import { runOnProcessEnd, startEmulators, type RunningEmulators } from '../targets/local/emulators';
import { LOCAL_REGION, type Endpoints, type LocalDeployment, type ServiceName } from '../targets/local/model';
import { provision, requiredServices } from '../targets/local/provisioner';
import { FunctionInvocationError, startRuntime, type LambdaRuntime, type LogEntry } from '../targets/local/runtime';
import { startHttpApis, type HttpApiServers } from '../targets/local/runtime/http-api';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localClientConfig } from '../targets/local/emulators';
import { collectStatus } from './status';
import { startGateway, type ControlRequest, type Gateway, type InvokeOutcome } from './gateway';
import { endpointEnvironment, newCredentials } from './credentials';
import { readKnownServices, rememberServices } from './services-hint';
import { removeState, statePath, writeState, type CloudModuleState, type CloudState } from './state';

export interface CloudOptions {
  /** The endpoint's port; 0 picks a free one. */
  readonly port: number;
  readonly log?: (line: string) => void;
  /** Echo every handler output line to `log`. */
  readonly verbose?: boolean;
  readonly statePath?: string;
  /** Finds a module by name, for `labs up <module>` sent to the running cloud. */
  readonly findModule: (name: string) => LabModule;
}

/** One module as it runs in the cloud. */
export interface RunningModule {
  readonly module: LabModule;
  readonly synthesized: SynthesizedStack;
  readonly deployment: LocalDeployment;
  readonly runtime: LambdaRuntime;
  /** One loopback server per HTTP API of the template (none for most stacks). */
  readonly httpApis: HttpApiServers;
}

/** A log line as `labs logs` shows it. */
export type CloudLogEntry = LogEntry;

/**
 * The local cloud that stays up (ARCHITECTURE.md, "The local cloud that stays up"): the modules'
 * stacks synthesized with their handlers bundled, provisioned into shared emulators, their functions
 * running, behind one authenticated endpoint; its state file lets other terminals find it.
 */
export class LocalCloud {
  readonly credentials = newCredentials();
  private readonly modules = new Map<string, RunningModule>();
  private readonly emulators: RunningEmulators[] = [];
  private gateway: Gateway | undefined;
  /** The services whose emulator runs inside this process, as the endpoint hands requests over. */
  private servedInProcess: RunningEmulators['servedInProcess'] = {};
  private readonly log: (line: string) => void;
  private readonly stateFile: string;
  private withdrawCleanup: (() => void) | undefined;
  private deploying: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private death: Error | undefined;
  private readonly deathListeners = new Set<(error: Error) => void>();
  readonly startedAt = new Date();

  constructor(private readonly options: CloudOptions) {
    this.log = options.log ?? (() => undefined);
    this.stateFile = options.statePath ?? statePath();
  }

  get url(): string {
    if (this.gateway === undefined) throw new Error('the local cloud has not started');
    return this.gateway.url;
  }

  get port(): number {
    return this.gateway?.port ?? this.options.port;
  }

  running(): readonly RunningModule[] {
    return [...this.modules.values()];
  }

  endpoints(): Endpoints {
    return Object.assign({}, ...this.emulators.map((emulators) => emulators.endpoints)) as Endpoints;
  }

  /** Called once if an emulator dies: the cloud cannot go on. */
  onDeath(listener: (error: Error) => void): void {
    this.deathListeners.add(listener);
  }

  /** Opens the endpoint, then deploys `modules` (together: one synth pass, one emulator start). */
  async start(modules: readonly LabModule[]): Promise<void> {
    try {
      this.gateway = await startGateway({
        port: this.options.port,
        credentials: this.credentials,
        upstreams: () => this.endpoints(),
        servedInProcess: () => this.servedInProcess,
        invoke: (name, payload, type) => this.invoke(name, payload, type),
        control: (request) => this.control(request),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`port ${this.options.port} on 127.0.0.1 is in use (another local cloud?): pass --port N, or --port 0 for a free one`, { cause: error });
      }
      throw error;
    }
    this.withdrawCleanup = runOnProcessEnd(() => this.cleanUpNow());
    await this.deploy(modules);
  }

  /**
   * Adds or redeploys modules: re-synthesizes them, starts the emulators they need that are not
   * running yet, provisions them afresh and swaps their functions for the new code. Other modules
   * keep running. Deployments run one at a time.
   */
  deploy(modules: readonly LabModule[]): Promise<void> {
    const next = this.deploying.then(() => this.deployNow(modules));
    this.deploying = next.catch(() => undefined);
    return next;
  }

  private async deployNow(modules: readonly LabModule[]): Promise<void> {
    const synthesized: { module: LabModule; stack: SynthesizedStack }[] = [];
    const known = readKnownServices();
    // The emulators the modules needed last time start while they synthesize (synthesis holds the
    // event loop: the processes are spawned first); whatever the templates need besides starts after.
    const predicted = [...new Set(modules.flatMap((module) => known[module.name] ?? []))].filter((service) => this.endpoints()[service] === undefined);
    const early = predicted.length > 0 ? this.startEmulators(predicted) : undefined;
    early?.catch(() => undefined);
    try {
      if (early) await sleep(EARLY_SPAWN_MS);
      for (const module of modules) {
        const started = Date.now();
        this.log(`synthesizing ${module.stackId} with its handlers bundled...`);
        // An assembly none of whose inputs changed since an earlier `labs up` is copied, not synthesized again.
        const stack = synthesizeModule(module, { bundling: true, reuse: true });
        synthesized.push({ module, stack });
        this.log(`${stack.reused ? 'reused the assembly of' : 'synthesized'} ${module.stackId} in ${seconds(Date.now() - started)}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await early;
      const needs = Object.fromEntries(synthesized.map(({ module, stack }) => [module.name, requiredServices(stack.template)]));
      rememberServices({ ...known, ...needs });
      const running = this.endpoints();
      const missing = [...new Set(Object.values(needs).flat())].filter((service) => running[service] === undefined);
      if (missing.length > 0) await this.startEmulators(missing);
      const endpoints = this.endpoints();
      const deployed = await Promise.all(synthesized.map(({ module, stack }) => this.provisionAndRun(module, stack, endpoints)));
      for (const entry of deployed) {
        const previous = this.modules.get(entry.module.name);
        this.modules.set(entry.module.name, entry);
        if (previous !== undefined) {
          await previous.httpApis.close().catch(() => undefined);
          await previous.runtime.stop().catch((error: unknown) => this.log(`stopping the old functions of ${previous.module.name} failed: ${String(error)}`));
          previous.synthesized.close();
        }
      }
    } catch (error) {
      for (const { module, stack } of synthesized) if (this.modules.get(module.name)?.synthesized !== stack) stack.close();
      throw error;
    }
    this.saveState();
  }

  private async startEmulators(services: readonly ServiceName[]): Promise<void> {
    this.log(`starting emulators for ${services.join(', ')}...`);
    const emulators = await startEmulators(services, {
      queueUrlHost: new URL(this.url).host,
      // The endpoint hands SQS and SNS requests to fauxqs with no network hop.
      inProcess: true,
      onExit: (error) => {
        if (this.stopping !== undefined || this.death !== undefined) return;
        this.death = error;
        this.log(error.message);
        this.deathListeners.forEach((listener) => listener(error));
      },
    });
    this.emulators.push(emulators);
    this.servedInProcess = { ...this.servedInProcess, ...emulators.servedInProcess };
    this.log(`emulators ready in ${seconds(emulators.startMillis)}: ${emulators.processes.map((p) => `${p.name} ${p.endpoint}`).join(', ')}`);
  }

  private async provisionAndRun(module: LabModule, stack: SynthesizedStack, endpoints: Endpoints): Promise<RunningModule> {
    const started = Date.now();
    // The API's URL is a stack output, so its server listens before the template is provisioned.
    const httpApis = await startHttpApis((stack.template as { Resources?: Record<string, { Type: string }> }).Resources ?? {});
    try {
      const deployment = await provision({
        template: stack.template,
        stackName: stack.stackName,
        assemblyDir: stack.assemblyDir,
        emulators: { endpoints },
        httpApiEndpoints: httpApis.endpoints,
      });
      const gatewayEnvironment = endpointEnvironment(this.url, this.credentials);
      const runtime = await startRuntime(deployment, {
        // The pollers (Lambda's own service) read the emulators directly; the handlers go through the
        // endpoint with the cloud's key, as any other client does.
        emulators: { endpoints, environment: () => gatewayEnvironment },
        log: this.log,
        verbose: this.options.verbose ?? false,
      });
      httpApis.connect((name, event) => runtime.invoke(name, event), deployment.functions);
      const apis = Object.values(httpApis.endpoints);
      this.log(
        `${module.name}: ${stack.stackName} provisioned and running in ${seconds(Date.now() - started)} (${deployment.functions.length} functions, ${deployment.eventSources.length} event sources${apis.length > 0 ? `, HTTP API ${apis.join(', ')}` : ''})`,
      );
      return { module, synthesized: stack, deployment, runtime, httpApis };
    } catch (error) {
      await httpApis.close().catch(() => undefined);
      throw error;
    }
  }

  /** Lambda Invoke through the endpoint, by function name or ARN. */
  async invoke(nameOrArn: string, payload: unknown, type: 'RequestResponse' | 'Event'): Promise<InvokeOutcome> {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? nameOrArn) : nameOrArn;
    const owner = this.running().find((entry) => entry.deployment.functions.some((spec) => spec.functionName === name));
    if (owner === undefined) return { kind: 'not-found', message: `Function not found: ${name} (list the functions with \`labs outputs <module>\`)` };
    if (type === 'Event') {
      owner.runtime.invokeAsync(name, payload);
      return { kind: 'accepted' };
    }
    try {
      return { kind: 'result', payload: await owner.runtime.invoke(name, payload) };
    } catch (error) {
      if (error instanceof FunctionInvocationError) {
        return { kind: 'function-error', error: { errorType: error.errorType, errorMessage: error.errorMessage, trace: error.trace } };
      }
      throw error;
    }
  }

  /** Handler log lines of every module (or of one function), oldest first. */
  logs(functionName?: string): LogEntry[] {
    return this.running()
      .flatMap((entry) => entry.runtime.logs(functionName))
      .sort((a, b) => a.timestamp - b.timestamp);
  }

  private async control(request: ControlRequest): Promise<unknown> {
    switch (request.operation) {
      case 'deploy': {
        const names = (request.body as { modules?: unknown } | undefined)?.modules;
        if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) throw new Error('deploy takes { "modules": ["<module>", ...] }');
        await this.deploy(names.map((name: string) => this.options.findModule(name)));
        return this.state().modules;
      }
      case 'logs': {
        const fn = request.query.get('function') ?? undefined;
        return logsAfter(this.logs(fn === '' ? undefined : fn), request.query);
      }
      case 'status': {
        const endpoint = this.endpoints().sqs;
        const sqs = endpoint === undefined ? undefined : new SQSClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
        try {
          return { at: new Date().toISOString(), modules: await collectStatus(this, sqs) };
        } finally {
          sqs?.destroy();
        }
      }
      default:
        throw new Error(`unknown control operation ${request.operation}`);
    }
  }

  state(): CloudState {
    const modules: Record<string, CloudModuleState> = {};
    for (const entry of this.running()) {
      modules[entry.module.name] = {
        stackName: entry.deployment.stackName,
        outputs: entry.deployment.outputs,
        functions: Object.fromEntries(entry.deployment.functions.map((spec) => [spec.logicalId, spec.functionName])),
        templateFile: entry.synthesized.templateFile,
        ...(Object.keys(entry.httpApis.endpoints).length > 0
          ? { httpApis: Object.fromEntries(Object.entries(entry.httpApis.endpoints).map(([logicalId, url]) => [logicalId.replace(/[0-9A-F]{8}$/, ''), url])) }
          : {}),
      };
    }
    return {
      pid: process.pid,
      port: this.port,
      url: this.url,
      region: LOCAL_REGION,
      accessKeyId: this.credentials.accessKeyId,
      secretAccessKey: this.credentials.secretAccessKey,
      startedAt: this.startedAt.toISOString(),
      modules,
      assemblies: this.running().map((entry) => entry.synthesized.assemblyDir),
      emulators: this.emulators.flatMap((emulators) =>
        emulators.processes.map((p) => ({ name: p.name, endpoint: p.endpoint, ...(p.pid ? { pid: p.pid } : {}), ...(p.emulatorPid ? { emulatorPid: p.emulatorPid } : {}) })),
      ),
    };
  }

  private saveState(): void {
    writeState(this.state(), this.stateFile);
  }

  /** Stops everything, in reverse order, once; the state file goes first so nobody attaches meanwhile. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      removeState(process.pid, this.stateFile);
      await this.deploying;
      // Each step runs even if an earlier one failed.
      const steps = [
        () => this.gateway?.close(),
        ...this.running().map((entry) => () => entry.httpApis.close()),
        ...this.running().map((entry) => () => entry.runtime.stop()),
        ...this.emulators.map((emulators) => () => emulators.stop()),
        ...this.running().map((entry) => () => entry.synthesized.close()),
      ];
      const errors: unknown[] = [];
      for (const step of steps) await Promise.resolve().then(step).catch((error: unknown) => errors.push(error));
      this.withdrawCleanup?.();
      if (errors.length > 0) throw new AggregateError(errors, `stopping the local cloud failed: ${errors.map(String).join('; ')}`);
    })();
    return this.stopping;
  }

  /** The synchronous part of stopping, for an abrupt end (the emulators are killed by their own hooks). */
  private cleanUpNow(): void {
    removeState(process.pid, this.stateFile);
    for (const entry of this.running()) entry.synthesized.close();
  }
}

/**
 * The control API's answer to `logs`: the lines after `since` (epoch ms), and with `contains` only
 * those that contain it (an order id, for `labs orders trace`: the answer stays small).
 */
export function logsAfter(entries: readonly LogEntry[], query: URLSearchParams): LogEntry[] {
  const since = Number(query.get('since') ?? 0);
  const contains = query.get('contains') ?? '';
  return entries.filter((entry) => entry.timestamp > since && entry.line.includes(contains));
}

/** Long enough for the emulator processes to be spawned before synthesis holds the event loop. */
const EARLY_SPAWN_MS = 150;

function seconds(millis: number): string {
  return `${(millis / 1000).toFixed(1)} s`;
}
