import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_CLOUD_MESSAGE, readState, removeState, requireState, writeState, type CloudState } from '../../../labs/cloud/state';
import { envLines, resolveFunction } from '../../../labs/cloud/commands';

const dir = mkdtempSync(join(tmpdir(), 'labs-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function state(over: Partial<CloudState> = {}): CloudState {
  return {
    pid: process.pid,
    port: 4566,
    url: 'http://127.0.0.1:4566',
    region: 'us-east-1',
    accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
    secretAccessKey: 'secret/with+base64=',
    startedAt: '2026-12-01T19:00:00.000Z',
    modules: { pipeline: { stackName: 'LabPipeline', outputs: { ResultsTableName: 't' }, functions: { JobPipelineVentilator1A2B3C4D: 'LabPipeline-Ventilator-XYZ' } } },
    emulators: [],
    ...over,
  };
}

describe('the state file', () => {
  test('reads back the state of a running cloud, readable by its owner only', () => {
    const path = join(dir, 'live.json');
    writeState(state(), path);
    expect(readState(path)).toEqual(state());
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test('removes a stale file whose process is gone, and does not trust it', () => {
    // GIVEN a state left by a cloud killed with SIGKILL (a pid no process has)
    const path = join(dir, 'stale.json');
    writeState(state({ pid: 2 ** 22 + 1 }), path);
    // WHEN
    const found = readState(path);
    // THEN
    expect([found, existsSync(path)]).toEqual([undefined, false]);
  });

  test('removes the assemblies a stale state names under the assemblies folder, and nothing elsewhere', () => {
    // GIVEN a killed cloud's state naming its assembly, and a path outside the assemblies folder
    const assemblies = join(__dirname, '..', '..', '..', '.cache', 'assemblies');
    mkdirSync(assemblies, { recursive: true });
    const assembly = mkdtempSync(join(assemblies, 'fanout-'));
    const elsewhere = mkdtempSync(join(dir, 'keep-'));
    const path = join(dir, 'stale-assembly.json');
    writeState(state({ pid: 2 ** 22 + 1, assemblies: [assembly, elsewhere] }), path);
    // WHEN
    readState(path);
    // THEN
    expect([existsSync(assembly), existsSync(elsewhere)]).toEqual([false, true]);
  });

  test('removes a file that is not a state', () => {
    const path = join(dir, 'garbage.json');
    writeFileSync(path, '{"pid":');
    expect([readState(path), existsSync(path)]).toEqual([undefined, false]);
  });

  test('fails with one line saying how to start a cloud when none runs', () => {
    expect(() => requireState(join(dir, 'none.json'))).toThrow(NO_CLOUD_MESSAGE);
    expect(NO_CLOUD_MESSAGE).toMatch(/npx labs up/);
  });

  test("is removed only by the cloud that wrote it", () => {
    const path = join(dir, 'owned.json');
    writeState(state(), path);
    removeState(process.pid + 1, path);
    expect(existsSync(path)).toBe(true);
    removeState(process.pid, path);
    expect(existsSync(path)).toBe(false);
  });
});

describe('labs env', () => {
  test('exports the endpoint, region and key, quoted, and unsets what could reach a real account', () => {
    const lines = envLines(state()).split('\n');
    expect(lines).toEqual([
      "export AWS_ENDPOINT_URL='http://127.0.0.1:4566'",
      "export AWS_REGION='us-east-1'",
      "export AWS_DEFAULT_REGION='us-east-1'",
      "export AWS_ACCESS_KEY_ID='AKIAEXAMPLEEXAMPLE00'",
      "export AWS_SECRET_ACCESS_KEY='secret/with+base64='",
      expect.stringMatching(/^unset AWS_PROFILE .*AWS_SESSION_TOKEN .*AWS_ENDPOINT_URL_SQS /),
      expect.stringMatching(/^# the AWS CLI v1 ignores AWS_ENDPOINT_URL for `aws sqs`/),
      expect.stringMatching(/^aws\(\) \{ /),
    ]);
  });

  // An `aws` on PATH that prints the arguments it was given, one per line, then a blank line.
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'aws'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\necho\n');
  chmodSync(join(bin, 'aws'), 0o755);
  const commands = [
    'aws sqs list-queues',
    'aws --output json sqs get-queue-attributes --queue-url "http://127.0.0.1:4566/000000000000/q 1" --attribute-names All',
    'aws kinesis list-streams',
    'aws sqs list-queues --endpoint-url http://127.0.0.1:9',
    'aws --endpoint-url=http://127.0.0.1:9 sqs list-queues',
  ];
  const expected = [
    ['--endpoint-url', 'http://127.0.0.1:4566', 'sqs', 'list-queues'],
    ['--endpoint-url', 'http://127.0.0.1:4566', '--output', 'json', 'sqs', 'get-queue-attributes', '--queue-url', 'http://127.0.0.1:4566/000000000000/q 1', '--attribute-names', 'All'],
    ['kinesis', 'list-streams'],
    ['sqs', 'list-queues', '--endpoint-url', 'http://127.0.0.1:9'],
    ['--endpoint-url=http://127.0.0.1:9', 'sqs', 'list-queues'],
  ];

  test.each(['bash', 'sh'])('in %s, `aws sqs` gets the endpoint unless it names one, and every other command runs as typed', (shell) => {
    const script = `eval "$(cat)"\n${commands.join('\n')}\n`;
    const printed = execFileSync(shell, ['-c', script], { input: envLines(state()), env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    const calls = printed.split('\n\n').filter((call) => call !== '').map((call) => call.split('\n').filter((arg) => arg !== ''));
    expect(calls).toEqual(expected);
  });
});

describe('resolveFunction', () => {
  test.each(['JobPipelineVentilator', 'jobpipelineventilator', 'JobPipelineVentilator1A2B3C4D', 'LabPipeline-Ventilator-XYZ'])('finds a function by %s', (wanted) => {
    expect(resolveFunction(state(), wanted)).toBe('LabPipeline-Ventilator-XYZ');
  });

  test('fails naming the functions there are', () => {
    expect(() => resolveFunction(state(), 'Worker')).toThrow(/no function 'Worker' in the local cloud: choose one of JobPipelineVentilator/);
  });
});
