import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalDeployment } from '../../../../../labs/targets/local/model';
import { FunctionInvocationError, startRuntime, type LambdaRuntime } from '../../../../../labs/targets/local/runtime';
import { fixtureFunction } from './function-specs';

interface EchoResult {
  readonly event: unknown;
  readonly invocations: number;
  readonly loadedAt: number;
  readonly env: Record<string, string>;
  readonly context: {
    functionName: string;
    functionVersion: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    awsRequestId: string;
    logGroupName: string;
    logStreamName: string;
    remainingTimeInMillis: number;
  };
}

const LOG_STREAM_NAME = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;
const EMULATORS = {
  endpoints: {},
  environment: () => ({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4567' }),
};

function deployment(...functions: LocalDeployment['functions']): LocalDeployment {
  return { stackName: 'LabTest', outputs: {}, functions, eventSources: [], queueUrlsByArn: {} };
}

describe('local Lambda runtime', () => {
  let runtime: LambdaRuntime;
  const verboseLines: string[] = [];

  beforeAll(async () => {
    runtime = await startRuntime(
      deployment(
        fixtureFunction('echo', { functionName: 'EchoA', environment: { TABLE_NAME: 'orders-a', SHARED: 'a' }, logFormat: 'JSON', applicationLogLevel: 'DEBUG' }),
        fixtureFunction('echo', { functionName: 'EchoB', environment: { TABLE_NAME: 'orders-b' }, memorySizeMiB: 512, logGroupName: '/lab/echo-b' }),
        fixtureFunction('echo', { functionName: 'EchoSolo', reservedConcurrentExecutions: 1 }),
        fixtureFunction('throws'),
        fixtureFunction('sleeps', { timeoutSeconds: 1 }),
        fixtureFunction('exits'),
        fixtureFunction('no-export'),
        fixtureFunction('calls-aws'),
        fixtureFunction('sdk-client'),
      ),
      { emulators: EMULATORS, verbose: true, log: (line) => verboseLines.push(line) },
    );
  });

  afterAll(async () => {
    await runtime.stop();
  });

  it('gives each function its own environment variables, the emulator endpoints and the Lambda variables', async () => {
    // WHEN
    const a = (await runtime.invoke('EchoA', { n: 1 })) as EchoResult;
    const b = (await runtime.invoke('EchoB', { n: 2 })) as EchoResult;

    // THEN
    expect(a.env.TABLE_NAME).toBe('orders-a');
    expect(b.env.TABLE_NAME).toBe('orders-b');
    expect(b.env.SHARED).toBeUndefined();
    expect(a.env).toMatchObject({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'EchoA',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/EchoA',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_LAMBDA_LOG_LEVEL: 'DEBUG',
      _HANDLER: 'index.handler',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    });
    expect(a.env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(a.env.AWS_LAMBDA_LOG_STREAM_NAME).toBe(a.context.logStreamName);
    expect(b.env.AWS_LAMBDA_LOG_FORMAT).toBeUndefined();
    expect(b.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('512');
    expect(b.env.AWS_LAMBDA_LOG_GROUP_NAME).toBe('/lab/echo-b');
    // The host's variables do not leak into an environment.
    expect(a.env.PATH).toBeUndefined();
  });

  it('passes a Lambda context with a real remaining time', async () => {
    const result = (await runtime.invoke('EchoB', {})) as EchoResult;

    expect(result.context).toMatchObject({
      functionName: 'EchoB',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:EchoB',
      memoryLimitInMB: '512',
      logGroupName: '/lab/echo-b',
    });
    expect(result.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.context.logStreamName).toMatch(LOG_STREAM_NAME);
    expect(result.context.remainingTimeInMillis).toBeGreaterThan(2_000);
    expect(result.context.remainingTimeInMillis).toBeLessThanOrEqual(3_000);
  });

  it('runs module scope once per environment and reuses a warm environment', async () => {
    const first = (await runtime.invoke('EchoSolo', { n: 1 })) as EchoResult;
    const second = (await runtime.invoke('EchoSolo', { n: 2 })) as EchoResult;

    expect(second.loadedAt).toBe(first.loadedAt);
    expect(second.invocations).toBe(first.invocations + 1);
    expect(second.context.logStreamName).toBe(first.context.logStreamName);
    expect(second.event).toEqual({ n: 2 });
  });

  it('runs concurrent invocations in distinct environments with distinct log streams', async () => {
    const results = (await Promise.all([1, 2, 3].map((n) => runtime.invoke('EchoA', { n })))) as EchoResult[];

    const streams = new Set(results.map((result) => result.context.logStreamName));
    expect(streams.size).toBe(3);
    expect(runtime.stats('EchoA').maxConcurrent).toBeGreaterThanOrEqual(3);
  });

  it('queues invocations beyond the reserved concurrency instead of creating environments', async () => {
    const before = runtime.stats('EchoSolo').environmentsCreated;
    const results = (await Promise.all([1, 2, 3].map((n) => runtime.invoke('EchoSolo', { n })))) as EchoResult[];

    expect(new Set(results.map((result) => result.context.logStreamName)).size).toBe(1);
    expect(runtime.stats('EchoSolo').environmentsCreated).toBe(Math.max(before, 1));
    expect(runtime.stats('EchoSolo').maxConcurrent).toBe(1);
  });

  it('fails an invocation with the handler error and keeps the environment warm', async () => {
    await expect(runtime.invoke('Lab-throws-ABC123', {})).rejects.toThrow(/TypeError: boom number 1/);
    const error = await runtime.invoke('Lab-throws-ABC123', {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FunctionInvocationError);
    expect((error as FunctionInvocationError).errorType).toBe('TypeError');
    // The module-scope counter survived the first error: same environment.
    expect((error as FunctionInvocationError).errorMessage).toBe('boom number 2');
    expect(runtime.stats('Lab-throws-ABC123').environmentsCreated).toBe(1);
  });

  it('times out an invocation, ends its environment and gives the next invocation a fresh one', async () => {
    const timedOut = await runtime.invoke('Lab-sleeps-ABC123', { ms: 5_000 }).catch((caught: unknown) => caught);
    const next = (await runtime.invoke('Lab-sleeps-ABC123', { ms: 0 })) as { loadedAt: number };

    expect(timedOut).toBeInstanceOf(FunctionInvocationError);
    expect((timedOut as FunctionInvocationError).message).toMatch(/Task timed out after 1\.00 seconds/);
    expect(next.loadedAt).toBeGreaterThan(Date.now() - 2_000);
    expect(runtime.stats('Lab-sleeps-ABC123')).toMatchObject({ timeouts: 1, environmentsCreated: 2 });
  });

  it('treats process.exit as a function error and replaces the environment', async () => {
    const exited = await runtime.invoke('Lab-exits-ABC123', { exit: true }).catch((caught: unknown) => caught);

    expect((exited as FunctionInvocationError).errorType).toBe('Runtime.ExitError');
    expect((exited as FunctionInvocationError).message).toMatch(/exit status 7/);
    await expect(runtime.invoke('Lab-exits-ABC123', {})).resolves.toBe('still here');
    expect(runtime.stats('Lab-exits-ABC123').environmentsCreated).toBe(2);
  });

  it('counts the requests a function makes to AWS, by signing service and, where a header names it, operation', async () => {
    // GIVEN a stand-in for the services
    const server = createServer((_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // WHEN
      await runtime.invoke('Lab-calls-aws-ABC123', { url: `http://127.0.0.1:${port}/` });
      await runtime.invoke('Lab-calls-aws-ABC123', { url: `http://127.0.0.1:${port}/` });
      // THEN
      expect(runtime.stats('Lab-calls-aws-ABC123').sdkCalls).toEqual({ 'dynamodb:GetItem': 2, sns: 2 });
      expect(runtime.stats('EchoA').sdkCalls).toEqual({});
    } finally {
      server.close();
    }
  });

  it('fails with Runtime.HandlerNotFound when the bundle does not export the handler', async () => {
    await expect(runtime.invoke('Lab-no-export-ABC123', {})).rejects.toThrow(/Runtime.HandlerNotFound: index.handler is undefined/);
  });

  it('fails clearly when invoking a function the stack does not have', async () => {
    await expect(runtime.invoke('Missing', {})).rejects.toThrow(/no function named Missing in stack LabTest/);
  });

  it('captures handler output per function and environment, with START/END/REPORT lines', async () => {
    const result = (await runtime.invoke('EchoB', { marker: 'log-me' })) as EchoResult;
    // Worker output arrives asynchronously; give the line reader a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const lines = runtime.logs('EchoB').filter((entry) => entry.logStreamName === result.context.logStreamName);
    const text = lines.map((entry) => entry.line);
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`\\t${result.context.awsRequestId}\\tINFO\\techo invoked .*log-me`)));
    expect(text).toContain('raw stdout line');
    expect(text).toContain(`START RequestId: ${result.context.awsRequestId} Version: $LATEST`);
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^REPORT RequestId: ${result.context.awsRequestId}\\tDuration: `)));
    expect(runtime.logs('EchoA').every((entry) => entry.functionName === 'EchoA')).toBe(true);
    expect(verboseLines).toContainEqual(expect.stringMatching(/^\[EchoB [0-9a-f]{8}\] .*log-me/));
  });

  it("keeps the SDK's notice about this machine's Node.js version out of the function's log", async () => {
    // WHEN: a handler makes an SDK client at init (the SDK checks the Node.js version there)
    const result = await runtime.invoke('Lab-sdk-client-ABC123', {});

    // THEN
    expect(result).toEqual({ region: 'us-east-1' });
    const lines = runtime.logs('Lab-sdk-client-ABC123').map((entry) => entry.line);
    expect(lines.some((line) => line.startsWith('START RequestId:'))).toBe(true);
    expect(lines.filter((line) => /NodeVersionSupportWarning|require node >=/.test(line))).toEqual([]);
  });

  it('emits JSON console lines when the function logs in JSON', async () => {
    const result = (await runtime.invoke('EchoA', { marker: 'json-line' })) as EchoResult;
    await new Promise((resolve) => setTimeout(resolve, 100));

    const line = runtime.logs('EchoA').find((entry) => entry.line.includes('json-line') && entry.line.startsWith('{'));
    expect(JSON.parse(line?.line ?? '{}')).toMatchObject({ level: 'INFO', requestId: result.context.awsRequestId });
  });
});

describe('stopping the local Lambda runtime', () => {
  it('is idempotent and refuses invocations afterwards', async () => {
    const runtime = await startRuntime(deployment(fixtureFunction('echo')), { emulators: EMULATORS });
    await runtime.invoke('Lab-echo-ABC123', {});

    await runtime.stop();
    await runtime.stop();

    await expect(runtime.invoke('Lab-echo-ABC123', {})).rejects.toThrow(/the runtime is stopped/);
  });

  it('ends an invocation in flight', async () => {
    const runtime = await startRuntime(deployment(fixtureFunction('sleeps', { timeoutSeconds: 30 })), { emulators: EMULATORS });
    const inFlight = runtime.invoke('Lab-sleeps-ABC123', { ms: 20_000 }).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = Date.now();
    await runtime.stop();

    expect(await inFlight).toBeInstanceOf(FunctionInvocationError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
