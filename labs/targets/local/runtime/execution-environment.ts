import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from '../model';

/** How a failed invocation looks to its caller, as Lambda reports it (X-Amz-Function-Error: Unhandled). */
export interface FunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type InvocationOutcome =
  | { readonly ok: true; readonly requestId: string; readonly payload: unknown }
  | { readonly ok: false; readonly requestId: string; readonly error: FunctionErrorPayload };

export type OutputStream = 'stdout' | 'stderr';

export interface EnvironmentOptions {
  readonly spec: FunctionSpec;
  /** Variables every environment gets besides the function's own: emulator endpoints, region, credentials. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly region: string;
  /** One line of handler output (or of the runtime's START/END/REPORT lines). */
  readonly onOutput: (logStreamName: string, stream: OutputStream, line: string) => void;
  /** Lambda gives the init phase 10 s, separately from the function timeout. */
  readonly initTimeoutMs?: number;
  /** One HTTP request the function started (an SDK call or a retry of it): `dynamodb:UpdateItem`, `sns`. */
  readonly onSdkCall?: (operation: string) => void;
}

const BOOTSTRAP = join(__dirname, 'bootstrap.cjs');
const DEFAULT_INIT_TIMEOUT_MS = 10_000;

/** `2026/11/25/[$LATEST]<32 hex>`, as Lambda names an environment's log stream. */
export function newLogStreamName(now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** The variables Lambda sets for every function; the template cannot override them. */
export function lambdaEnvironment(
  spec: FunctionSpec,
  logStreamName: string,
  region: string,
): Record<string, string> {
  const variables: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMiB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupNameOf(spec),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime ?? 'nodejs24.x'}`,
    LAMBDA_TASK_ROOT: spec.bundleDir,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: spec.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  };
  if (spec.logFormat === 'JSON') {
    variables.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (spec.applicationLogLevel !== undefined) variables.AWS_LAMBDA_LOG_LEVEL = spec.applicationLogLevel;
  }
  return variables;
}

export function logGroupNameOf(spec: FunctionSpec): string {
  return spec.logGroupName ?? `/aws/lambda/${spec.functionName}`;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: FunctionErrorPayload }
  | { type: 'result'; requestId: string; payload: string }
  | { type: 'error'; requestId: string; error: FunctionErrorPayload }
  | { type: 'sdk-call'; operation: string };

interface PendingInvocation {
  readonly requestId: string;
  readonly settle: (outcome: InvocationOutcome) => void;
}

/** How an INIT phase ended: ready (undefined), failed, or cut at the phase's time limit. */
type InitResult = FunctionErrorPayload | 'timeout' | undefined;

/**
 * One Lambda execution environment: a worker thread with its own `process.env` that loads the bundle
 * once and runs one invocation at a time. A timeout, a crash or `process.exit()` ends it for good
 * (`alive` turns false); the pool then creates a fresh one, as Lambda does. INIT has 10 s; past them,
 * as on Lambda, the init is cut and run again at the first invocation, within the function's timeout.
 */
export class ExecutionEnvironment {
  readonly logStreamName: string;
  /** Undefined between an INIT cut at its limit and the first invocation, which runs it again. */
  private worker: Worker | undefined;
  private readonly ready: Promise<FunctionErrorPayload | undefined>;
  private initDurationMs: number | undefined;
  /** INIT hit its limit: the first invocation runs it again, as Lambda's suppressed init does. */
  private initSuppressed = false;
  private pending: PendingInvocation | undefined;
  private dead = false;
  private deathReason: FunctionErrorPayload | undefined;

  constructor(private readonly options: EnvironmentOptions) {
    this.logStreamName = newLogStreamName();
    const worker = this.spawn();
    this.worker = worker;
    this.ready = this.initPhase(worker, this.initTimeoutMs()).then((result) => {
      if (result === 'timeout') {
        this.emit('stdout', `INIT_REPORT Init Duration: ${this.initTimeoutMs().toFixed(2)} ms\tPhase: init\tStatus: timeout`);
        this.initSuppressed = true;
        this.worker = undefined;
        void worker.terminate();
        return undefined;
      }
      return result === undefined ? undefined : this.kill(result.errorType, result.errorMessage, result);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once the module scope ran; a failed INIT ends the environment and returns the error. */
  async initialize(): Promise<FunctionErrorPayload | undefined> {
    return this.ready;
  }

  async invoke(event: unknown): Promise<InvocationOutcome> {
    const { spec } = this.options;
    const requestId = randomUUID();
    const initError = await this.ready;
    if (initError !== undefined || this.dead) {
      return { ok: false, requestId, error: initError ?? this.deathReason ?? unknownDeath() };
    }
    if (this.pending !== undefined) {
      throw new Error(`environment ${this.logStreamName} of ${spec.functionName} is already running an invocation`);
    }
    const timeoutMs = spec.timeoutSeconds * 1000;
    const startedAt = Date.now();
    this.emit('stdout', `START RequestId: ${requestId} Version: $LATEST`);
    const outcome = await new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.kill('Sandbox.Timedout', `Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`);
      }, timeoutMs);
      this.pending = {
        requestId,
        settle: (result) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve(result);
        },
      };
      void this.startInvocation(event, requestId, startedAt + timeoutMs);
    });
    const durationMs = Date.now() - startedAt;
    this.emit('stdout', `END RequestId: ${requestId}`);
    const init = this.initDurationMs !== undefined ? `\tInit Duration: ${this.initDurationMs.toFixed(2)} ms` : '';
    this.initDurationMs = undefined;
    this.emit(
      'stdout',
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${spec.memorySizeMiB} MB${init}`,
    );
    return outcome;
  }

  /** Ends the environment (idempotent). */
  async terminate(): Promise<void> {
    this.markDead(this.deathReason ?? { errorType: 'Runtime.Terminated', errorMessage: 'environment stopped', trace: [] });
    await this.worker?.terminate();
  }

  /** Runs a suppressed INIT again first (within the invocation's time), then hands the worker the event. */
  private async startInvocation(event: unknown, requestId: string, deadlineMs: number): Promise<void> {
    const { spec } = this.options;
    if (this.initSuppressed) {
      this.initSuppressed = false;
      const worker = this.spawn();
      this.worker = worker;
      const result = await this.initPhase(worker, undefined);
      // Timed out meanwhile: the invocation has its error, and the environment is gone.
      if (this.pending?.requestId !== requestId) return;
      if (result !== undefined && result !== 'timeout') {
        this.kill(result.errorType, result.errorMessage, result);
        return;
      }
    }
    this.worker?.postMessage({
      type: 'invoke',
      event,
      deadlineMs,
      context: {
        functionName: spec.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: spec.functionArn,
        memoryLimitInMB: String(spec.memorySizeMiB),
        awsRequestId: requestId,
        logGroupName: logGroupNameOf(spec),
        logStreamName: this.logStreamName,
      },
    });
  }

  /** A worker loading the bundle, its output and messages wired to this environment while it is the current one. */
  private spawn(): Worker {
    const { spec } = this.options;
    const worker = new Worker(BOOTSTRAP, {
      env: {
        ...spec.environment,
        ...this.options.baseEnvironment,
        ...lambdaEnvironment(spec, this.logStreamName, this.options.region),
      },
      workerData: { taskRoot: spec.bundleDir, handler: spec.handler, logFormat: spec.logFormat ?? 'Text' },
      stdout: true,
      stderr: true,
      // Node's flags for the function, not the parent's: a worker inherits `process.execArgv` otherwise,
      // and a parent run by tsx would load its TypeScript loader into every environment (about 0.5 s
      // more at each cold start) for a bundle that is plain JavaScript. The bootstrap still honours
      // --enable-source-maps in the function's NODE_OPTIONS, as Lambda does.
      execArgv: [],
      // Not Lambda's memory cap (that counts the whole sandbox), but a runaway handler stays contained.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(spec.memorySizeMiB, 256) },
    });
    this.pipe(worker.stdout, 'stdout');
    this.pipe(worker.stderr, 'stderr');
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'sdk-call') this.options.onSdkCall?.(message.operation);
      else if (worker === this.worker) this.onMessage(message);
    });
    worker.on('error', (error: Error) => {
      if (worker !== this.worker) return;
      this.markDead({
        errorType: error.name === 'Error' ? 'Runtime.UnhandledError' : error.name,
        errorMessage: error.message,
        trace: error.stack?.split('\n') ?? [],
      });
    });
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      this.markDead({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${this.pending?.requestId ?? '-'} Error: Runtime exited with error: exit status ${code}`,
        trace: [],
      });
    });
    return worker;
  }

  /** Waits for the worker's INIT to end: ready, failed, exited, or (with a limit) cut at `limitMs`. */
  private initPhase(worker: Worker, limitMs: number | undefined): Promise<InitResult> {
    const startedAt = Date.now();
    return new Promise((resolve) => {
      const timer =
        limitMs === undefined
          ? undefined
          : setTimeout(() => {
              worker.off('message', onMessage);
              resolve('timeout');
            }, limitMs);
      const onMessage = (message: WorkerMessage): void => {
        if (message.type !== 'ready' && message.type !== 'init-error') return;
        clearTimeout(timer);
        this.initDurationMs = Date.now() - startedAt;
        worker.off('message', onMessage);
        resolve(message.type === 'init-error' ? message.error : undefined);
      };
      worker.on('message', onMessage);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve(this.deathReason ?? { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited during INIT', trace: [] });
      });
    });
  }

  private onMessage(message: WorkerMessage): void {
    const pending = this.pending;
    if (pending === undefined || (message.type !== 'result' && message.type !== 'error')) return;
    if (message.requestId !== pending.requestId) return;
    if (message.type === 'result') {
      pending.settle({ ok: true, requestId: pending.requestId, payload: JSON.parse(message.payload) as unknown });
    } else {
      pending.settle({ ok: false, requestId: pending.requestId, error: message.error });
    }
  }

  private kill(errorType: string, errorMessage: string, error?: FunctionErrorPayload): FunctionErrorPayload {
    const reason = error ?? { errorType, errorMessage, trace: [] };
    if (errorType === 'Sandbox.Timedout') {
      this.emit('stdout', `${new Date().toISOString()} ${this.pending?.requestId ?? ''} Task timed out after ${this.options.spec.timeoutSeconds.toFixed(2)} seconds`);
    }
    this.markDead(reason);
    void this.worker?.terminate();
    return reason;
  }

  private markDead(reason: FunctionErrorPayload): void {
    if (!this.dead) {
      this.dead = true;
      this.deathReason = reason;
    }
    this.pending?.settle({ ok: false, requestId: this.pending.requestId, error: this.deathReason ?? reason });
  }

  private initTimeoutMs(): number {
    return this.options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
  }

  private pipe(stream: Readable, name: OutputStream): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.emit(name, line));
  }

  private emit(stream: OutputStream, line: string): void {
    this.options.onOutput(this.logStreamName, stream, line);
  }
}

function unknownDeath(): FunctionErrorPayload {
  return { errorType: 'Runtime.Unknown', errorMessage: 'the execution environment ended', trace: [] };
}
