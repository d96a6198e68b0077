import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingRequest } from '../../../labs/cloud/signature';

export const KEY = { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw' };

/** A request handler that keeps the signed request instead of sending it. */
class Capture {
  request: IncomingRequest | undefined;
  readonly metadata = { handlerProtocol: 'http/1.1' };
  async handle(request: { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }): Promise<never> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) for (const v of [value ?? ''].flat()) query.append(key, v);
    const search = query.toString();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body) : Buffer.from(new Uint8Array(request.body as Uint8Array));
    this.request = { method: request.method, url: `${request.path}${search ? `?${search}` : ''}`, headers, ...(body ? { body } : {}) };
    throw new Error('captured');
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs() {
    return {};
  }
  destroy(): void {}
}

type Sendable = { send(command: unknown): Promise<unknown>; destroy(): void };

/** The request an SDK v3 client signs for `command`, as the endpoint would receive it. */
export async function signedBy<C extends Sendable>(
  make: (config: { region: string; endpoint: string; credentials: typeof KEY; requestHandler: Capture; maxAttempts: number }) => C,
  command: unknown,
  credentials = KEY,
): Promise<IncomingRequest> {
  const capture = new Capture();
  const client = make({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4566', credentials, requestHandler: capture, maxAttempts: 1 });
  await client.send(command).catch(() => undefined);
  client.destroy();
  if (capture.request === undefined) throw new Error('the client sent nothing');
  return capture.request;
}

export const SAMPLES = {
  sqs: () => signedBy((c) => new SQSClient(c), new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:4566/000000000000/q', MessageBody: 'hi' })),
  sns: () => signedBy((c) => new SNSClient(c), new ListTopicsCommand({})),
  kinesis: () => signedBy((c) => new KinesisClient(c), new ListStreamsCommand({})),
  dynamodb: () => signedBy((c) => new DynamoDBClient(c), new ListTablesCommand({})),
  'dynamodb-streams': () => signedBy((c) => new DynamoDBStreamsClient(c), new GetRecordsCommand({ ShardIterator: 'it' })),
  'lambda-invoke': () =>
    signedBy((c) => new LambdaClient(c), new InvokeCommand({ FunctionName: 'LabPipeline-Ventilator-ABC', Payload: new TextEncoder().encode('{"a":1}') })),
} as const;

/** Signs a POST to `/` for `service`, as any SigV4 client would. */
export async function signRaw(
  service: string,
  headers: Record<string, string>,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = KEY,
  endpoint = 'http://127.0.0.1:4566',
): Promise<IncomingRequest> {
  const { hostname, port, host } = new URL(endpoint);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', headers: { host, ...headers }, body });
  const lower = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', url: '/', headers: lower, body: Buffer.from(body) };
}
