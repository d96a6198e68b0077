import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { dirname, join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../model';
import type { StartedEmulator } from './fauxqs';
import { startWithRetry, waitUntilServing } from './health';
import { freePort } from './ports';
import { spawnSupervised } from './process';

const HEALTH_TIMEOUT_MS = 30_000;
/** Binds kinesis-local's servers to loopback (it has no bind-address option of its own). */
const LOOPBACK_ONLY = join(__dirname, 'loopback-only.cjs');
/**
 * kinesis-local simulates the time AWS takes to create a stream or register a consumer (500 ms by
 * default); a lab has nothing to learn from that wait.
 */
const TRANSITION_DURATION = '10ms';
const TRANSITIONS = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
];

/** kinesis-local (Kinesis with enhanced fan-out) as a child process on two free loopback ports. */
export function startKinesisLocal(log?: (line: string) => void): Promise<StartedEmulator> {
  return startWithRetry(async () => {
    const [plainPort, tlsPort] = await Promise.all([freePort(), freePort()]);
    // The package reads its TLS certificate (server.json) from the working directory.
    const packageDir = dirname(require.resolve('kinesis-local/package.json'));
    const child = spawnSupervised({
      name: 'kinesis-local',
      command: process.execPath,
      args: ['--require', LOOPBACK_ONLY, join(packageDir, 'main.js')],
      cwd: packageDir,
      env: {
        ...process.env,
        KINESIS_MOCK_PLAIN_PORT: String(plainPort),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
        AWS_REGION: LOCAL_REGION,
        AWS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
        SHOULD_PERSIST_DATA: 'false',
        LOAD_DATA_IF_EXISTS: 'false',
        LOG_LEVEL: 'WARN',
        ...Object.fromEntries(TRANSITIONS.map((name) => [name, TRANSITION_DURATION])),
      },
      watchdog: true,
      ...(log ? { log } : {}),
    });
    return waitUntilServing(child, `http://127.0.0.1:${plainPort}`, (config) => new KinesisClient(config), (client) => client.send(new ListStreamsCommand({})), HEALTH_TIMEOUT_MS);
  });
}
