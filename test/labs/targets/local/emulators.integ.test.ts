import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JAVA_MISSING_MESSAGE,
  localClientConfig,
  startEmulators,
  type RunningEmulators,
} from '../../../../labs/targets/local/emulators';
import { launchDynamoDbLocal } from '../../../../labs/targets/local/emulators/dynamodb';
import { isAlive, waitUntilGone } from '../../../helpers/processes';

jest.setTimeout(120_000);

const PROJECT_ROOT = join(__dirname, '..', '..', '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'hold-emulators.ts');

function pidsOf(emulators: RunningEmulators): number[] {
  return [...new Set(emulators.processes.flatMap((p) => [p.pid, p.emulatorPid]))].filter(
    (pid): pid is number => pid !== undefined,
  );
}

/** The processes whose command line has `-port <port>` (DynamoDB Local's JVM names its port so). */
function processesOnPort(port: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.some((arg, i) => arg === '-port' && args[i + 1] === String(port));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Runs the fixture in its own node process and resolves with the emulator pids it reports. */
function holdEmulators(services: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...services], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pids = new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        resolve((JSON.parse(line) as { pids: number[] }).pids);
      }
    });
    void exited.then((exit) => reject(new Error(`fixture ended early: ${JSON.stringify(exit)}`)));
  });
  return { child, exited, pids };
}

describe('startEmulators', () => {
  test('starts all three on free loopback ports, healthy', async () => {
    // WHEN
    const emulators = await startEmulators(['sqs', 'sns', 'kinesis', 'dynamodb']);
    try {
      // THEN
      expect(emulators.startMillis).toBeGreaterThan(0);
      const { sqs, sns, kinesis, dynamodb } = emulators.endpoints;
      for (const endpoint of [sqs, sns, kinesis, dynamodb]) {
        expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      }
      expect(sns).toBe(sqs);
      expect(new Set([sqs, kinesis, dynamodb]).size).toBe(3);
      const kinesisClient = new KinesisClient(localClientConfig(kinesis!));
      const dynamodbClient = new DynamoDBClient(localClientConfig(dynamodb!));
      await expect(kinesisClient.send(new ListStreamsCommand({}))).resolves.toHaveProperty('StreamNames', []);
      // No table, not even the warm-up's: DynamoDB Local's first writes were served on a table deleted since.
      await expect(dynamodbClient.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames', []);
      kinesisClient.destroy();
      dynamodbClient.destroy();
      expect(emulators.environment()).toEqual({
        AWS_ENDPOINT_URL_SQS: sqs,
        AWS_ENDPOINT_URL_SNS: sns,
        AWS_ENDPOINT_URL_KINESIS: kinesis,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
    } finally {
      await emulators.stop();
    }
  });

  test('two sets side by side do not collide, and stop() leaves no process behind', async () => {
    // GIVEN
    const [first, second] = await Promise.all([
      startEmulators(['sqs', 'kinesis', 'dynamodb']),
      startEmulators(['sqs', 'kinesis', 'dynamodb']),
    ]);
    const pids = [...pidsOf(first), ...pidsOf(second)];
    try {
      // WHEN a queue is created in the first set
      const firstSqs = new SQSClient(localClientConfig(first.endpoints.sqs!));
      const secondSqs = new SQSClient(localClientConfig(second.endpoints.sqs!));
      const { QueueUrl } = await firstSqs.send(new CreateQueueCommand({ QueueName: 'only-in-first' }));

      // THEN it exists only there, and its URL names the emulator's real loopback address
      expect(QueueUrl).toBe(`${first.endpoints.sqs}/000000000000/only-in-first`);
      expect((await secondSqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
      const endpointsOf = (e: RunningEmulators) => Object.values(e.endpoints);
      for (const endpoint of endpointsOf(first)) {
        expect(endpointsOf(second)).not.toContain(endpoint);
      }
      firstSqs.destroy();
      secondSqs.destroy();
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(pids.length).toBe(10);
    expect(await waitUntilGone(pids, 1000)).toEqual([]);
    await expect(first.stop()).resolves.toBeUndefined();
  });

  test('starts only the emulators the services need, each serving every service it can', async () => {
    const emulators = await startEmulators(['sqs']);
    try {
      expect(emulators.processes.map((p) => ({ name: p.name, services: p.services }))).toEqual([{ name: 'fauxqs', services: ['sns', 'sqs'] }]);
      // fauxqs started for SQS is also the SNS of the set: a later `sns` need must not start a second one.
      expect(emulators.services).toEqual(['sns', 'sqs']);
      expect(emulators.endpoints.sns).toBe(emulators.endpoints.sqs);
      expect(Object.keys(emulators.environment()).filter((k) => k.startsWith('AWS_ENDPOINT_URL'))).toEqual([
        'AWS_ENDPOINT_URL_SNS',
        'AWS_ENDPOINT_URL_SQS',
      ]);
    } finally {
      await emulators.stop();
    }
  });

  test('reports an emulator that dies during the run', async () => {
    // GIVEN
    const deaths: Error[] = [];
    const emulators = await startEmulators(['kinesis'], { onExit: (error) => deaths.push(error) });
    try {
      expect(() => emulators.ensureHealthy()).not.toThrow();

      // WHEN the emulator process is killed from outside
      process.kill(emulators.processes[0].emulatorPid!, 'SIGKILL');
      await waitUntilGone(pidsOf(emulators));

      // THEN
      expect(() => emulators.ensureHealthy()).toThrow(/^kinesis-local exited with code 137 during the run/);
      expect(deaths.map((e) => e.message.split('\n')[0])).toEqual(['kinesis-local exited with code 137 during the run']);
    } finally {
      await emulators.stop();
    }
  });

  test("stops a DynamoDB Local whose warm-up fails, and fails the start with the warm-up's error", async () => {
    // GIVEN a warm-up that finds the emulator serving, then fails
    let endpoint = '';
    // The JVM and the watchdog that would kill it with this process.
    let processes: number[] = [];
    const start = launchDynamoDbLocal(async (url) => {
      endpoint = url;
      processes = processesOnPort(Number(new URL(url).port));
      throw new Error('the warm-up write was refused');
    });

    // THEN the start fails with that error, and the emulator it started is gone
    await expect(start).rejects.toThrow('the warm-up write was refused');
    expect(processes.length).toBeGreaterThan(0);
    expect(processes.filter(isAlive)).toEqual([]);
    const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/ECONNREFUSED/);
    client.destroy();
  });

  test('fails fast with one line saying what to install if java is missing', async () => {
    // GIVEN a PATH without java
    const emptyDir = mkdtempSync(join(tmpdir(), 'no-java-'));
    const path = process.env.PATH;
    process.env.PATH = emptyDir;
    try {
      // WHEN
      const start = startEmulators(['sqs', 'dynamodb']);

      // THEN
      await expect(start).rejects.toThrow(JAVA_MISSING_MESSAGE);
      await start.catch((error: Error) => {
        expect(error.message).not.toContain('\n');
        expect(error.message).toMatch(/apt-get install openjdk-17-jre-headless/);
      });
    } finally {
      process.env.PATH = path;
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

describe('no emulator outlives the command that started it', () => {
  test.each([
    ['SIGTERM', 'SIGTERM'],
    ['SIGINT', 'SIGINT'],
    ['SIGKILL (abrupt death)', 'SIGKILL'],
  ] as const)('when the command gets %s', async (_label, signal) => {
    // GIVEN a command holding all three emulators
    const { child, exited, pids } = holdEmulators(['sqs', 'kinesis', 'dynamodb']);
    const emulatorPids = await pids;
    expect(emulatorPids.every(isAlive)).toBe(true);

    // WHEN
    child.kill(signal);

    // THEN the command dies of the signal and every emulator process is gone
    await expect(exited).resolves.toEqual({ code: null, signal });
    expect(await waitUntilGone(emulatorPids)).toEqual([]);
  });
});
