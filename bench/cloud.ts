import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findModule } from '../lib/modules';
import { attachToCloud } from '../labs/cloud/attach';
import { readState, type CloudState } from '../labs/cloud/state';
import { runFanout } from '../labs/scenarios/fanout';
import type { Ui } from '../labs/report/ui';
import { median, round } from './stats';

/** Issue targets: `labs up` with every module ready in < 10 s; an attached lab's first publish in < 1 s; the endpoint's median within 10 %. */
export const MAX_UP_SECONDS = 10;
export const MAX_ATTACH_SECONDS = 1;
export const MAX_GATEWAY_RATIO = 1.1;

export interface UpFigure {
  readonly modules: readonly string[];
  /** From spawning `labs up --port 0` to its state file (written once every module runs). */
  readonly seconds: number;
  readonly meets: boolean;
}

export interface AttachFigure {
  /** `labs fanout` as a new process: spawn to its first publish (includes loading Node.js, tsx and the CLI). */
  readonly processSeconds: number;
  /** Inside the lab tool: opening the session on the running cloud to the first publish. */
  readonly inProcessSeconds: number;
  readonly meets: boolean;
}

export interface GatewayFigure {
  readonly messages: number;
  readonly endpointMedianMs: number;
  readonly endpointP99Ms: number;
  readonly directMedianMs: number;
  readonly directP99Ms: number;
  readonly medianRatio: number;
  readonly meets: boolean;
}

export interface CloudFigures {
  readonly up?: UpFigure;
  readonly attach?: AttachFigure;
  readonly gateway?: GatewayFigure;
}

const ROOT = join(__dirname, '..');
const UP_TIMEOUT_MS = 240_000;

/**
 * Starts `labs up` (with every module, `plan.cloudModules` empty) as a student would (a new process, its own state file), measures
 * what is asked of the running cloud, and stops it. `gatewayMessages` SendMessage calls go to one queue
 * through the endpoint and straight to fauxqs, alternately, so both see the same machine load.
 */
export async function measureCloud(
  wanted: { up: boolean; attach: boolean; gateway: boolean },
  plan: { readonly gatewayMessages: number; readonly cloudModules: readonly string[] },
  ui: Ui,
): Promise<CloudFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'labs-bench-cloud-'));
  const statePath = join(dir, 'cloud.json');
  const started = Date.now();
  const child = labsProcess(['up', ...plan.cloudModules, '--port', '0'], statePath);
  try {
    const state = await readyState(child, statePath);
    const seconds = (Date.now() - started) / 1000;
    const up: UpFigure = { modules: Object.keys(state.modules), seconds: round(seconds), meets: seconds < MAX_UP_SECONDS };
    ui.log(`up: ready in ${up.seconds} s`);
    const figures: { -readonly [K in keyof CloudFigures]: CloudFigures[K] } = wanted.up ? { up } : {};
    if (wanted.gateway) figures.gateway = await measureGateway(state, plan.gatewayMessages);
    if (wanted.attach) figures.attach = await measureAttach(statePath, ui);
    return figures;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

function labsProcess(args: readonly string[], statePath: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'labs.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', LABS_CLOUD_STATE: statePath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function readyState(child: ChildProcess, statePath: string): Promise<CloudState> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + UP_TIMEOUT_MS;
  for (;;) {
    const state = readState(statePath);
    if (state !== undefined && state.pid === child.pid) return state;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`labs up did not come up:\n${output}`);
    await sleep(50);
  }
}

async function measureGateway(state: CloudState, messages: number): Promise<GatewayFigure> {
  const direct = state.emulators.find((e) => e.name === 'fauxqs')?.endpoint;
  if (direct === undefined) throw new Error('the cloud runs no fauxqs');
  const credentials = { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey };
  const client = (endpoint: string) => new SQSClient({ region: state.region, endpoint, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
  const viaEndpoint = client(state.url);
  const straight = client(direct);
  const { QueueUrl } = await straight.send(new CreateQueueCommand({ QueueName: `bench-gateway-${process.pid}` }));
  const send = async (sqs: SQSClient): Promise<number> => {
    const started = process.hrtime.bigint();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  try {
    // Warm both connections and code paths before timing.
    for (let i = 0; i < 20; i++) await Promise.all([send(viaEndpoint), send(straight)]);
    const endpointMs: number[] = [];
    const directMs: number[] = [];
    for (let i = 0; i < messages; i++) {
      endpointMs.push(await send(viaEndpoint));
      directMs.push(await send(straight));
    }
    const endpointMedianMs = round(median(endpointMs), 3);
    const directMedianMs = round(median(directMs), 3);
    const medianRatio = round(median(endpointMs) / median(directMs), 3);
    return {
      messages,
      endpointMedianMs,
      endpointP99Ms: round(percentile(endpointMs, 0.99), 3),
      directMedianMs,
      directP99Ms: round(percentile(directMs, 0.99), 3),
      medianRatio,
      meets: medianRatio <= MAX_GATEWAY_RATIO,
    };
  } finally {
    await straight.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
    viaEndpoint.destroy();
    straight.destroy();
  }
}

async function measureAttach(statePath: string, ui: Ui): Promise<AttachFigure> {
  // A new `labs fanout` process, as typed in a second terminal: spawn to its "publishing" line.
  const started = Date.now();
  const child = labsProcess(['fanout'], statePath);
  const processSeconds = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^publishing \d+ orders/m.test(output)) resolve(round((Date.now() - started) / 1000));
    });
    child.once('exit', () => reject(new Error(`labs fanout ended before publishing:\n${output}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));

  // The same lab inside this process: the session on the running cloud to the first publish.
  let firstPublish = 0;
  const opened = Date.now();
  const session = await attachToCloud(findModule('fanout'), {}, statePath);
  if (session === undefined) throw new Error('the bench cloud has no fanout module');
  const quiet: Ui = {
    colors: ui.colors,
    verbose: false,
    log: (line) => void (firstPublish ||= /^publishing /.test(line) ? Date.now() : 0),
    debug: () => undefined,
    progress: (label, total) => ui.progress(label, total),
  };
  try {
    await runFanout(session, { orders: 5 }, quiet);
  } finally {
    await session.close();
  }
  const inProcessSeconds = round((firstPublish - opened) / 1000, 3);
  ui.log(`attach: ${processSeconds} s from a new process, ${inProcessSeconds} s inside it`);
  return { processSeconds, inProcessSeconds, meets: inProcessSeconds < MAX_ATTACH_SECONDS };
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}
