import replyFrom from '@fastify/reply-from';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RunningEmulators } from '../targets/local/emulators';
import type { Endpoints, ServiceName } from '../targets/local/model';
import { BROWSER_REQUEST_REFUSED } from '../targets/local/runtime/http-api';
import { awsError, CONTROL_PREFIX, invokedFunction, route, type Destination, type ErrorAnswer, type Protocol } from './router';
import { checkSignature, headerValue, parseAuthorization, verifySignature, type CloudCredentials, type IncomingRequest, type SignatureVerdict } from './signature';

/** The outcome of a Lambda invocation, as the Invoke API reports it. */
export type InvokeOutcome =
  | { readonly kind: 'result'; readonly payload: unknown }
  | { readonly kind: 'function-error'; readonly error: { errorType: string; errorMessage: string; trace: readonly string[] } }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'not-found'; readonly message: string };

/** A control request of the cloud (`/_labs/<operation>`), already authenticated. */
export interface ControlRequest {
  readonly operation: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface GatewayOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly credentials: CloudCredentials;
  /** The emulators' loopback endpoints, read per request (a redeploy may start one). */
  readonly upstreams: () => Endpoints;
  /** The services whose emulator runs inside this process: handed over with no network hop. */
  readonly servedInProcess?: () => RunningEmulators['servedInProcess'];
  readonly invoke: (functionName: string, payload: unknown, invocationType: 'RequestResponse' | 'Event') => Promise<InvokeOutcome>;
  readonly control: (request: ControlRequest) => Promise<unknown>;
}

export interface Gateway {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export const GATEWAY_HOST = '127.0.0.1';
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const UPSTREAM_OF: Record<Exclude<Destination, 'lambda-invoke' | 'control'>, ServiceName> = {
  sqs: 'sqs',
  sns: 'sns',
  kinesis: 'kinesis',
  dynamodb: 'dynamodb',
  // DynamoDB Local serves its streams on the table API's port.
  'dynamodb-streams': 'dynamodb',
};

/**
 * The cloud's one endpoint on loopback: refuses browser requests (any Origin header), admits only
 * requests signed with the cloud's key, and forwards each to the emulator that serves it (or answers
 * Lambda Invoke and the control API itself). The body is buffered to check the signature, the answer
 * streamed back (SubscribeToShard pushes for minutes); an emulator inside this process (fauxqs under
 * `labs up`) gets the request handed over with no network hop (`handOver`).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  // A request for an emulator inside this process (fauxqs under `labs up`) goes straight to its routes
  // from here, with its signature checked there once the body is in; everything else to this app.
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    serverFactory: (handler) =>
      createServer((request, response) => {
        if (!handOver(options, request, response)) handler(request, response);
      }),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  await app.register(replyFrom, {
    disableRequestLogging: true,
    // Long polls (ReceiveMessage waits up to 20 s) and SubscribeToShard (5 minutes) must not be cut.
    undici: { headersTimeout: 0, bodyTimeout: 0, connections: 128 },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin !== undefined) {
      // A web page in the student's browser must not reach the cloud; no CORS headers are ever sent.
      const answer = awsError('json', 403, 'AccessDeniedException', BROWSER_REQUEST_REFUSED, randomUUID());
      return send(reply, answer);
    }
    return undefined;
  });

  app.all('/*', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const incoming: IncomingRequest = { method: request.method, url: request.url, headers: request.headers, ...(body ? { body } : {}) };
    const requestId = randomUUID();
    const routed = route(incoming);
    const verdict = await verifySignature(incoming, options.credentials);
    if (!verdict.ok) return send(reply, awsError(routed.protocol, 403, verdict.code, verdict.message, requestId));
    if (!routed.ok) return send(reply, unknownOperation(routed.protocol, routed.message, requestId));
    switch (routed.destination) {
      case 'control':
        return reply.status(200).header('content-type', 'application/json').send(JSON.stringify(await controlAnswer(options, request, body)));
      case 'lambda-invoke':
        return invokeAnswer(options, request, reply, body, requestId);
      default: {
        const service = UPSTREAM_OF[routed.destination];
        const upstream = options.upstreams()[service];
        if (upstream === undefined) {
          return send(
            reply,
            unknownOperation(routed.protocol, `${routed.operation}: no module in this local cloud uses ${service}; add one with \`labs up <module>\``, requestId),
          );
        }
        const host = request.headers.host;
        return reply.from(`${upstream}${request.url}`, {
          rewriteRequestHeaders: (_request, headers) => ({ ...headers, ...(host ? { host } : {}) }),
          rewriteHeaders: (headers) => withoutCors(headers),
        });
      }
    }
  });

  await app.listen({ host: GATEWAY_HOST, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { port, url: `http://${GATEWAY_HOST}:${port}`, close: () => app.close() };
}

/**
 * Hands a request to the emulator of its service when that one runs in this process: what the app's
 * route does for it (Origin refused, signature verified on the whole body, route) with no second
 * parse and no network hop. False when the app must serve it.
 */
function handOver(options: GatewayOptions, request: IncomingMessage, response: ServerResponse): boolean {
  if (request.headers.origin !== undefined) return false;
  const headersOnly: IncomingRequest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers };
  // The Authorization header is parsed once, for the route and for the signature check.
  const authorization = parseAuthorization(headerValue(request.headers, 'authorization'));
  const routed = route(headersOnly, authorization?.service);
  if (!routed.ok || (routed.destination !== 'sqs' && routed.destination !== 'sns')) return false;
  const serve = options.servedInProcess?.()[routed.destination];
  if (serve === undefined) return false;
  const refusalOf = (verdict: SignatureVerdict): ErrorAnswer | undefined =>
    verdict.ok ? undefined : awsError(routed.protocol, 403, verdict.code, verdict.message, randomUUID());
  serve(request, response, (body) => {
    const verdict = checkSignature({ ...headersOnly, body }, options.credentials, Date.now(), authorization);
    return verdict instanceof Promise ? verdict.then(refusalOf) : refusalOf(verdict);
  });
  return true;
}

function send(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  return reply.status(answer.status).headers(answer.headers).send(answer.body);
}

function unknownOperation(protocol: Protocol, message: string, requestId: string): ErrorAnswer {
  // Each protocol's own code for an operation it does not serve (S3 answers NotImplemented with 501).
  if (protocol === 'rest-xml') return awsError(protocol, 501, 'NotImplemented', message, requestId);
  return awsError(protocol, 400, protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException', message, requestId);
}

/** DynamoDB Local answers with `Access-Control-Allow-Origin: *`: the endpoint passes no CORS header on. */
function withoutCors<T extends Record<string, unknown>>(headers: T): T {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-'))) as T;
}

async function controlAnswer(options: GatewayOptions, request: FastifyRequest, body: Buffer | undefined): Promise<unknown> {
  const [path, query = ''] = request.url.slice(CONTROL_PREFIX.length).split('?');
  const text = body?.toString('utf8') ?? '';
  try {
    return { ok: true, value: await options.control({ operation: path ?? '', query: new URLSearchParams(query), body: text === '' ? undefined : JSON.parse(text) }) };
  } catch (error) {
    return { ok: false, error: (error as Error).message ?? String(error) };
  }
}

async function invokeAnswer(options: GatewayOptions, request: FastifyRequest, reply: FastifyReply, body: Buffer | undefined, requestId: string) {
  const functionName = invokedFunction(request.url) ?? '';
  const type = request.headers['x-amz-invocation-type'] === 'Event' ? 'Event' : 'RequestResponse';
  const text = body?.toString('utf8') ?? '';
  let payload: unknown;
  try {
    payload = text === '' ? {} : JSON.parse(text);
  } catch {
    return send(reply, awsError('rest-json', 400, 'InvalidRequestContentException', 'Could not parse request body into json', requestId));
  }
  const outcome = await options.invoke(functionName, payload, type);
  reply.header('x-amzn-requestid', requestId).header('x-amz-executed-version', '$LATEST');
  switch (outcome.kind) {
    case 'accepted':
      return reply.status(202).send('');
    case 'result':
      return reply.status(200).header('content-type', 'application/json').send(JSON.stringify(outcome.payload ?? null));
    case 'function-error':
      return reply.status(200).header('x-amz-function-error', 'Unhandled').header('content-type', 'application/json').send(JSON.stringify(outcome.error));
    case 'not-found':
      return send(reply, awsError('rest-json', 404, 'ResourceNotFoundException', outcome.message, requestId));
  }
}
