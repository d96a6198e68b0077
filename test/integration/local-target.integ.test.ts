import { ListQueuesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CfnOutput, CfnParameter, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localTarget, type LocalSession } from '../../labs/targets/local';
import { findModule, type LabModule } from '../../lib/modules';
import { isAlive, waitUntilGone } from '../helpers/processes';

jest.setTimeout(120_000);

/** The assembly directory a session's log names (`synthesized ... into <dir>`). */
function assemblyDirIn(log: readonly string[]): string {
  const dir = log.map((line) => / into (\S+)$/.exec(line)?.[1]).find((found) => found !== undefined);
  if (dir === undefined) throw new Error(`no assembly directory in the log:\n${log.join('\n')}`);
  return resolve(process.cwd(), dir);
}

function endpointsIn(log: readonly string[]): string[] {
  return log.flatMap((line) => (line.startsWith('emulators ready') ? (line.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? []) : []));
}

async function isListening(endpoint: string): Promise<boolean> {
  return fetch(endpoint).then(
    () => true,
    () => false,
  );
}

test('an emulator dying mid-run fails pending and later calls with its exit, and close still cleans up', async () => {
  // GIVEN an open fan-out session (fauxqs only)
  const log: string[] = [];
  const session = (await localTarget.open(findModule('fanout'), { log: (line) => log.push(line) })) as LocalSession;
  expect(session).toMatchObject({ target: 'local', region: 'us-east-1', stackName: 'LabFanout' });
  const fauxqs = session.emulators.processes.find((emulator) => emulator.name === 'fauxqs');
  const pending = session.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: session.outputs.AnalyticsQueueUrl, WaitTimeSeconds: 20 }),
  );
  const pendingOutcome = pending.then(
    () => 'resolved',
    (error: Error) => error.message,
  );

  // WHEN the emulator is killed
  process.kill(fauxqs?.emulatorPid as number, 'SIGKILL');

  // THEN the long poll in flight fails at once with the emulator's exit, as does a later call
  const started = Date.now();
  expect(await pendingOutcome).toMatch(/^fauxqs was killed by SIGKILL during the run/);
  expect(Date.now() - started).toBeLessThan(10_000);
  await expect(session.clients.sqs.send(new ListQueuesCommand({}))).rejects.toThrow(/fauxqs was killed by SIGKILL during the run/);
  expect(session.failure()?.message).toMatch(/fauxqs was killed by SIGKILL/);

  // AND close() resolves, says the run was cut short, and leaves no assembly behind
  await session.close();
  await session.close();
  expect(log.filter((line) => line.startsWith('local cloud stopped; the run was cut short: fauxqs was killed by SIGKILL'))).toHaveLength(1);
  expect(existsSync(assemblyDirIn(log))).toBe(false);
});

test('a failure part-way through open stops the emulators it started and removes the assembly', async () => {
  // GIVEN a module whose template the provisioner refuses only after its emulator started
  const broken: LabModule = {
    ...findModule('fanout'),
    name: 'broken',
    stackId: 'LabBroken',
    create: (scope, id, props) => {
      const stack = new Stack(scope, id, props);
      const queueName = new CfnParameter(stack, 'QueueName', { type: 'String' });
      const queue = new Queue(stack, 'Queue', { queueName: queueName.valueAsString });
      new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
      return stack;
    },
  };
  const log: string[] = [];

  // WHEN it is opened
  await expect(localTarget.open(broken, { log: (line) => log.push(line) })).rejects.toThrow(/parameter QueueName has no default value/);

  // THEN the emulator that was running no longer listens, and the assembly is gone
  const endpoints = endpointsIn(log);
  expect(endpoints).toHaveLength(1);
  for (const endpoint of endpoints) expect(await isListening(endpoint)).toBe(false);
  expect(existsSync(assemblyDirIn(log))).toBe(false);
});

const PROJECT_ROOT = join(__dirname, '..', '..');
const HOLD_SESSION = join(PROJECT_ROOT, 'test', 'labs', 'targets', 'local', 'fixtures', 'hold-local-session.ts');

test.each(['SIGINT', 'SIGTERM'] as const)('a command holding an open session that gets %s leaves no emulator and no assembly behind', async (signal) => {
  // GIVEN a command holding an open fan-out session
  const child = spawn(process.execPath, ['--import', 'tsx', HOLD_SESSION, 'fanout'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, exitSignal) => done({ code, signal: exitSignal })),
  );
  const held = await new Promise<{ assembly: string; pids: number[] }>((done, fail) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((candidate) => candidate.startsWith('{') && out.includes(`${candidate}\n`));
      if (line !== undefined) done(JSON.parse(line) as { assembly: string; pids: number[] });
    });
    void exited.then((exit) => fail(new Error(`the command ended before the session opened: ${JSON.stringify(exit)}`)));
  });
  const assembly = resolve(PROJECT_ROOT, held.assembly);
  expect(existsSync(assembly)).toBe(true);
  expect(held.pids.every(isAlive)).toBe(true);

  // WHEN
  child.kill(signal);

  // THEN it dies of the signal, and neither an emulator nor the assembly outlives it
  await expect(exited).resolves.toEqual({ code: null, signal });
  expect(await waitUntilGone(held.pids)).toEqual([]);
  expect(existsSync(assembly)).toBe(false);
});
