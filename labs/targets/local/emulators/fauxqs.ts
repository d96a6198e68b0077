import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_REGION } from '../model';
import { EmulatorExitedError } from './health';
import { spawnSupervised, type ProcessExit, type SupervisedProcess } from './process';

const SERVER_SCRIPT = join(__dirname, 'fauxqs-server.mjs');
const APP_MODULE = join(__dirname, 'fauxqs-app.mjs');
const START_TIMEOUT_MS = 15_000;

/** What the emulator set needs of an emulator's process: a child process, or the server inside this one. */
export type EmulatorProcess = Pick<SupervisedProcess, 'pid' | 'emulatorPid' | 'exited' | 'isStopping' | 'output' | 'stop'>;

/**
 * What the front of an endpoint checks once a handed-over request's body is in (its signature): a
 * refusal, or nothing; synchronously when it can (no await between the body and the route).
 */
export type RequestGuard = (body: Buffer) => GuardRefusal | undefined | Promise<GuardRefusal | undefined>;

export interface GuardRefusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Serves a request that came to another server of this process, once `guard` admits its body. */
export type InProcessServe = (request: IncomingMessage, response: ServerResponse, guard: RequestGuard) => void;

export interface StartedEmulator {
  readonly endpoint: string;
  readonly process: EmulatorProcess;
  /** Serves a request with no network hop, when the emulator runs inside this process. */
  readonly serve?: InProcessServe;
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

/** The slice of a Fastify app the in-process fauxqs is driven through. */
interface FauxqsApp {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
  readonly server: { address(): unknown };
  routing(request: IncomingMessage, response: ServerResponse): void;
  addHook(
    name: 'preParsing',
    hook: (request: { raw: IncomingMessage }, reply: FauxqsReply, payload: Readable, done: (error: Error | null, payload: Readable) => void) => void,
  ): void;
  addHook(name: 'preValidation', hook: (request: { raw: IncomingMessage }, reply: FauxqsReply, done: (error?: Error) => void) => void): void;
}

interface FauxqsReply {
  code(status: number): FauxqsReply;
  headers(headers: Record<string, string>): FauxqsReply;
  send(body: string): FauxqsReply;
}

/**
 * Node's own `import()`, out of reach of a transform that turns it into `require()` (fauxqs is an ES
 * module for `import` only). Works where this code runs as Node.js loads it (`labs up` under tsx).
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * fauxqs served inside this process (the one of `labs up`): it listens on its own loopback port, for
 * the pollers and anything that dials it, and serves the requests the endpoint hands over with no
 * network hop and no second parse: its own routes run on the endpoint's request, once the guard (the
 * endpoint's signature check) has admitted the body. A body fauxqs cannot parse is refused by its
 * parser before the guard runs (nothing acts on it). It dies with this process.
 */
export async function startFauxqsInProcess(queueUrlHost?: string): Promise<StartedEmulator> {
  const { buildFauxqs } = (await importModule(pathToFileURL(APP_MODULE).href)) as {
    buildFauxqs(options: { region: string; queueUrlHost?: string }): Promise<FauxqsApp>;
  };
  const app = await buildFauxqs({ region: LOCAL_REGION, ...(queueUrlHost ? { queueUrlHost } : {}) });
  // A handed-over request's body is kept as its parser reads it (no second buffer, no new stream)
  // and checked before any route acts on it; any other request passes untouched.
  const guards = new WeakMap<IncomingMessage, { guard: RequestGuard; chunks: Buffer[] }>();
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const entry = guards.get(request.raw);
    if (entry !== undefined) payload.on('data', (chunk: Buffer) => entry.chunks.push(chunk));
    done(null, payload);
  });
  // A callback hook, not an async one: a request the guard admits synchronously goes on to its route
  // at once, and every other request passes with no promise made.
  app.addHook('preValidation', (request, reply, done) => {
    const entry = guards.get(request.raw);
    if (entry === undefined) return done();
    const answer = (refusal: GuardRefusal | undefined): void => {
      if (refusal === undefined) done();
      else reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
    };
    let verdict: GuardRefusal | undefined | Promise<GuardRefusal | undefined>;
    try {
      verdict = entry.guard(entry.chunks.length === 1 ? (entry.chunks[0] as Buffer) : Buffer.concat(entry.chunks));
    } catch (error) {
      return done(error as Error);
    }
    if (verdict instanceof Promise) verdict.then(answer, (error: unknown) => done(error as Error));
    else answer(verdict);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  let stopping: Promise<void> | undefined;
  const handle: EmulatorProcess = {
    pid: undefined,
    emulatorPid: undefined,
    // It cannot exit on its own: it is this process.
    exited: new Promise<ProcessExit>(() => undefined),
    get isStopping() {
      return stopping !== undefined;
    },
    output: () => '',
    stop: () => (stopping ??= app.close().catch(() => undefined)),
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    process: handle,
    serve: (request, response, guard) => {
      guards.set(request, { guard, chunks: [] });
      app.routing(request, response);
    },
  };
}
