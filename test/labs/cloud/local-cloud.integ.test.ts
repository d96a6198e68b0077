import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient, ListStreamsCommand as ListKinesisStreamsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readState, type CloudState } from '../../../labs/cloud/state';
import { isAlive, waitUntilGone } from '../../helpers/processes';
import { signRaw } from './signed-requests';

/**
 * `labs up` as the student runs it (a subprocess of bin/labs.ts), driven with SDK v3 clients only. One
 * cloud (fanout, stream) serves every test of the first block, and its last test stops it; a second
 * one (worker-pool: its ledger table needs DynamoDB Local, an emulator process of its own, where fanout's
 * SQS and SNS are served inside the cloud's process), started at the same time to save wall time, is
 * killed with SIGKILL.
 */

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'labs-cloud-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Up {
  readonly child: ChildProcess;
  readonly state: CloudState;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function labsProcess(args: readonly string[], statePath: string): { child: ChildProcess; output: () => string; exited: Up['exited'] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'labs.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', LABS_CLOUD_STATE: statePath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function labs(args: readonly string[], statePath: string): Promise<{ code: number | null; output: string }> {
  const run = labsProcess(args, statePath);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** Starts `labs up` and waits for its state file (the cloud is ready once it is written). */
async function up(modules: readonly string[], statePath: string): Promise<Up> {
  const run = labsProcess(['up', ...modules, '--port', '0'], statePath);
  const deadline = Date.now() + 240_000;
  for (;;) {
    const state = readState(statePath);
    if (state !== undefined && state.pid === run.child.pid) return { ...run, state };
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`labs up did not come up:\n${run.output()}`);
    await sleep(200);
  }
}

function emulatorPids(state: CloudState): number[] {
  return state.emulators.flatMap((e) => [e.pid, e.emulatorPid]).filter((pid): pid is number => pid !== undefined);
}

function clientConfig(state: CloudState, credentials = { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey }) {
  return { region: state.region, endpoint: state.url, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 };
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
}

const statePath = join(dir, 'cloud.json');
const killedStatePath = join(dir, 'killed.json');
let cloud: Up;
let killed: Up;

beforeAll(async () => {
  [cloud, killed] = await Promise.all([up(['fanout', 'stream'], statePath), up(['worker-pool'], killedStatePath)]);
});

afterAll(() => {
  for (const run of [cloud, killed]) if (run?.child.exitCode === null) run.child.kill('SIGKILL');
});

describe('a running local cloud', () => {
  test('routes SQS (JSON), SNS (query), Kinesis, DynamoDB, DynamoDB Streams and Lambda Invoke to what serves them', async () => {
    const { state } = cloud;
    const config = clientConfig(state);
    const [queues, topics, streams, tables] = await Promise.all([
      new SQSClient(config).send(new ListQueuesCommand({})),
      new SNSClient(config).send(new ListTopicsCommand({})),
      new KinesisClient(config).send(new ListKinesisStreamsCommand({})),
      new DynamoDBClient(config).send(new ListTablesCommand({})),
    ]);
    const fanout = state.modules.fanout?.outputs ?? {};
    expect(queues.QueueUrls).toContain(fanout.AnalyticsQueueUrl);
    expect(topics.Topics?.map((t) => t.TopicArn)).toContain(fanout.TopicArn);
    expect(streams.StreamNames).toContain(state.modules.stream?.outputs.StreamName);
    expect(tables.TableNames).toContain(state.modules.stream?.outputs.CheckpointTableName);

    // DynamoDB Streams signs as dynamodb; only its X-Amz-Target tells it apart.
    const tableStreams = await new DynamoDBStreamsClient(config).send(new ListStreamsCommand({}));
    expect([tableStreams.$metadata.httpStatusCode, tableStreams.Streams]).toEqual([200, []]);

    const lambda = new LambdaClient(config);
    const functions = state.modules.stream?.functions ?? {};
    const name = Object.entries(functions).find(([logicalId]) => logicalId.includes('Processor'))?.[1] as string;
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('{"Records":[]}') }));
    expect([invoked.StatusCode, invoked.FunctionError, JSON.parse(new TextDecoder().decode(invoked.Payload))]).toEqual([200, undefined, { batchItemFailures: [] }]);
    const failed = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('"not an event"') }));
    expect([failed.StatusCode, failed.FunctionError]).toEqual([200, 'Unhandled']);
    expect(await errorName(lambda.send(new InvokeCommand({ FunctionName: 'NoSuchFunction' })))).toBe('ResourceNotFoundException');
  });

  test('names itself in queue URLs, which work when a client sends them back', async () => {
    const { state } = cloud;
    const sqs = new SQSClient(clientConfig(state));
    const url = state.modules.fanout?.outputs.AnalyticsDeadLetterQueueUrl as string;
    expect(url.startsWith(`${state.url}/`)).toBe(true);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'probe' }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  test('refuses another secret (SignatureDoesNotMatch) and another key (InvalidClientTokenId) in each protocol', async () => {
    const { state } = cloud;
    const wrongSecret = clientConfig(state, { accessKeyId: state.accessKeyId, secretAccessKey: 'not-the-secret' });
    const wrongKey = clientConfig(state, { accessKeyId: 'AKIAOTHEROTHEROTHER0', secretAccessKey: state.secretAccessKey });
    expect(
      await Promise.all([
        errorName(new SQSClient(wrongSecret).send(new ListQueuesCommand({}))),
        errorName(new SNSClient(wrongSecret).send(new ListTopicsCommand({}))),
        errorName(new KinesisClient(wrongKey).send(new ListKinesisStreamsCommand({}))),
        errorName(new SNSClient(wrongKey).send(new ListTopicsCommand({}))),
      ]),
    ).toEqual(['SignatureDoesNotMatch', 'SignatureDoesNotMatch', 'InvalidClientTokenId', 'InvalidClientTokenId']);
  });

  test('refuses any request from a browser (Origin header) and sends no CORS header', async () => {
    const { state } = cloud;
    const signed = await signRaw('dynamodb', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, '{}', clientConfig(state).credentials, state.url);
    const fromPage = await fetch(state.url, { method: 'POST', headers: { ...headersOf(signed.headers), origin: 'http://example.com' }, body: '{}' });
    const preflight = await fetch(state.url, { method: 'OPTIONS', headers: { origin: 'http://example.com', 'access-control-request-method': 'POST' } });
    const plain = await fetch(state.url, { method: 'POST', headers: headersOf(signed.headers), body: '{}' });
    const cors = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
    expect([fromPage.status, preflight.status, plain.status]).toEqual([403, 403, 200]);
    expect([...cors(fromPage), ...cors(preflight), ...cors(plain)]).toEqual([]);
  });

  test('answers an operation no emulator serves with an AWS-shaped error naming it', async () => {
    const { state } = cloud;
    const signed = await signRaw('cloudformation', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=DescribeStacks&Version=2010-05-15', clientConfig(state).credentials, state.url);
    const answer = await fetch(state.url, { method: 'POST', headers: headersOf(signed.headers), body: 'Action=DescribeStacks&Version=2010-05-15' });
    expect([answer.status, await answer.text()]).toEqual([400, expect.stringMatching(/<Code>InvalidAction<\/Code><Message>cloudformation DescribeStacks: no emulator/)]);
    // S3's clients read only its own XML error document.
    const listBuckets = await signRaw('s3', {}, '', clientConfig(state).credentials, state.url);
    const s3 = await fetch(state.url, { method: 'POST', headers: headersOf(listBuckets.headers), body: '' });
    expect([s3.status, await s3.text()]).toEqual([501, expect.stringMatching(/^<\?xml .*\n<Error><Code>NotImplemented<\/Code><Message>s3 \w+ \/: no emulator/)]);
  });

  test('keeps every emulator off the other network interfaces', async () => {
    const { state } = cloud;
    const address = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
    if (address === undefined) throw new Error('this machine has no non-loopback IPv4 interface to check against');
    const ports = [state.port, ...state.emulators.map((e) => Number(new URL(e.endpoint).port))];
    const reachable = await Promise.all(ports.map((port) => canConnect(address, port)));
    expect(reachable).toEqual(ports.map(() => false));
  });

  test('two labs attach at once, with no synth and no emulator of their own, and keep exact verdicts', async () => {
    const runs = await Promise.all([labs(['fanout', '--json'], statePath), labs(['fanout', '--json'], statePath)]);
    for (const run of runs) {
      expect(run.output).toContain(`using the local cloud on 127.0.0.1:${cloud.state.port}`);
      expect(run.output).not.toMatch(/synthesizing|starting emulators/);
      const result = JSON.parse(run.output.split('\n').find((line) => line.startsWith('{')) as string) as { ok: boolean; queues: { received: number; expected: number }[] };
      expect([run.code, result.ok, result.queues.map((q) => [q.received, q.expected])]).toEqual([0, true, [[5, 5], [5, 5], [3, 3]]]);
    }
  });

  test('labs up <module> redeploys that module alone, in the same cloud', async () => {
    const before = cloud.state;
    const run = await labs(['up', 'fanout'], statePath);
    const after = readState(statePath) as CloudState;
    expect([run.code, after.pid, after.port]).toEqual([0, before.pid, before.port]);
    expect(after.modules.fanout?.outputs.TopicArn).not.toBe(before.modules.fanout?.outputs.TopicArn);
    expect(after.modules.stream).toEqual(before.modules.stream);
  });

  test('labs down stops it from another process: no state file, no emulator left', async () => {
    const pids = emulatorPids(cloud.state);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const run = await labs(['down'], statePath);
    expect([run.code, run.output.trim()]).toEqual([0, `stopped the local cloud on ${cloud.state.url}`]);
    expect(await cloud.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect([existsSync(statePath), await waitUntilGone(pids)]).toEqual([false, []]);
  });
});

test('nothing outlives labs up killed with SIGKILL, and the state it leaves is found stale', async () => {
  const pids = emulatorPids(killed.state);
  const assemblies = killed.state.assemblies ?? [];
  expect(pids.length > 0 && pids.every(isAlive)).toBe(true);
  expect(assemblies.length === 1 && existsSync(assemblies[0] as string)).toBe(true);
  killed.child.kill('SIGKILL');
  await killed.exited;
  expect(await waitUntilGone(pids)).toEqual([]);
  // The file is still there; the next command finds its process gone and removes it.
  expect(existsSync(killedStatePath)).toBe(true);
  const env = await labs(['env'], killedStatePath);
  expect([env.code, env.output.trim(), existsSync(killedStatePath)]).toEqual([1, 'labs: no local cloud is running: start one with `npx labs up` (in another terminal)', false]);
  // What the killed cloud could not remove goes with its state.
  expect(existsSync(assemblies[0] as string)).toBe(false);
});

/** A signed request's headers for fetch, which sets Host itself (to the same value). */
function headersOf(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host'));
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}
