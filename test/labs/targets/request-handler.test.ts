import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LAMBDA_MAX_TIMEOUT_MS, MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, requestTimeoutConfig, requestTimeoutFor } from '../../../labs/targets/request-handler';

/** A server that takes every request and never answers: a stuck emulator. */
describe('the lab tool\'s request timeouts, against a server that never answers', () => {
  let server: Server;
  let endpoint: string;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request) => {
      received.push(request.headers);
      request.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const config = (requestTimeoutMs: number) => ({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...requestTimeoutConfig({ requestTimeoutMs }),
  });

  it('fails the call with an error naming the call, after every attempt timed out, in bounded time', async () => {
    // GIVEN
    const kinesis = new KinesisClient(config(300));
    received.length = 0;
    const startedAt = Date.now();
    // WHEN
    const failure = await kinesis.send(new ListStreamsCommand({})).then(
      () => undefined,
      (error: unknown) => error as Error & { $metadata?: { attempts?: number } },
    );
    const elapsedMs = Date.now() - startedAt;
    kinesis.destroy();
    // THEN
    expect(failure?.name).toBe('TimeoutError');
    expect(failure?.message).toMatch(/^Kinesis_20131202\.ListStreams to 127\.0\.0\.1:\d+ got no answer \(.*300 ms requestTimeout.*\); is the service \(or the local emulator\) stuck or overloaded\?$/);
    expect(failure?.$metadata?.attempts).toBe(MAX_ATTEMPTS);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    // three attempts of 300 ms and the SDK's backoff between them (at most a few hundred ms here)
    expect(elapsedMs).toBeGreaterThanOrEqual(MAX_ATTEMPTS * 300);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('gives a long poll its wait on top: ReceiveMessage may wait 20 s for messages before it answers', async () => {
    // GIVEN an SQS client (JSON protocol: the operation is in X-Amz-Target)
    const sqs = new SQSClient({ ...config(300), maxAttempts: 1 });
    received.length = 0;
    const abort = new AbortController();
    // WHEN a receive is sent, then given up on after 1 s
    const receive = sqs.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/000000000000/q`, WaitTimeSeconds: 20 }), { abortSignal: abort.signal }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    abort.abort();
    const failure = await receive;
    sqs.destroy();
    // THEN it was still waiting after three times its ordinary bound: only the abort ended it
    expect(received.map((headers) => headers['x-amz-target'])).toEqual(['AmazonSQS.ReceiveMessage']);
    expect(failure?.name).toBe('AbortError');
  });

  it('adds the 20 s of a long poll to the ordinary bound, and nothing to other calls', () => {
    const request = (target: string) => ({ method: 'POST', protocol: 'http:', hostname: 'h', path: '/', query: {}, headers: { 'X-Amz-Target': target } });
    expect(requestTimeoutFor(request('AmazonSQS.ReceiveMessage') as never)).toBe(REQUEST_TIMEOUT_MS + 20_000);
    expect(requestTimeoutFor(request('Kinesis_20131202.GetRecords') as never)).toBe(REQUEST_TIMEOUT_MS);
    expect(requestTimeoutFor(request('Kinesis_20131202.SubscribeToShard') as never, 1_000)).toBe(1_000);
  });

  it("waits out a synchronous Lambda invocation up to Lambda's longest timeout, so it is never sent twice", () => {
    const lambda = (method: string, path: string) => ({ method, protocol: 'https:', hostname: 'lambda.us-east-1.amazonaws.com', path, query: {}, headers: {} });
    expect(requestTimeoutFor(lambda('POST', '/2015-03-31/functions/LabPipeline-Ventilator/invocations') as never)).toBe(REQUEST_TIMEOUT_MS + LAMBDA_MAX_TIMEOUT_MS);
    expect(requestTimeoutFor(lambda('GET', '/2015-03-31/functions/LabPipeline-Ventilator/configuration') as never)).toBe(REQUEST_TIMEOUT_MS);
  });
});
