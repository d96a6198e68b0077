import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** One route of an HTTP API, as the local cloud serves it. */
export interface HttpRoute {
  readonly apiId: string;
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  /** Logical id of the function its Lambda proxy integration invokes. */
  readonly functionId: string;
}

const SERVED = 'the local cloud serves HTTP APIs with routes `METHOD /path` to Lambda proxy integrations of payload format 2.0';

function refOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { Ref?: unknown }).Ref === 'string' ? (value as { Ref: string }).Ref : undefined;
}

/** `integrations/<Ref>` as CDK writes a route's target. */
function integrationIdOf(target: unknown, routeId: string): string {
  const join = (target as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  const parts = join?.[1];
  const id = join?.[0] === '' && parts?.length === 2 && parts[0] === 'integrations/' ? refOf(parts[1]) : undefined;
  if (id === undefined) throw new Error(`route ${routeId} has a Target the local cloud cannot follow (${JSON.stringify(target)}): ${SERVED}`);
  return id;
}

/**
 * The routes of every HTTP API in a template. Anything the local cloud would not serve as API Gateway
 * does (a WebSocket API, an authorizer, a non-proxy integration, payload format 1.0, a `$default` or
 * greedy route) is an error naming the resource, never a route silently left out.
 */
export function httpRoutesOf(resources: Readonly<Record<string, TemplateResource>>): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::ApiGatewayV2::Api':
        if (props['ProtocolType'] !== 'HTTP') throw new Error(`API ${id} has ProtocolType ${String(props['ProtocolType'])}: ${SERVED}`);
        break;
      case 'AWS::ApiGatewayV2::Authorizer':
        throw new Error(`authorizer ${id} (AWS::ApiGatewayV2::Authorizer) is not supported locally: ${SERVED}, without authorizers`);
      case 'AWS::ApiGatewayV2::Route': {
        const routeKey = String(props['RouteKey']);
        const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/[\w\-./]*)$/.exec(routeKey);
        if (match === null) throw new Error(`route ${id} has RouteKey '${routeKey}': ${SERVED}`);
        if (props['AuthorizationType'] !== undefined && props['AuthorizationType'] !== 'NONE') {
          throw new Error(`route ${id} has AuthorizationType ${String(props['AuthorizationType'])}: ${SERVED}, without authorization`);
        }
        const integrationId = integrationIdOf(props['Target'], id);
        const integration = resources[integrationId]?.Properties ?? {};
        if (integration['IntegrationType'] !== 'AWS_PROXY' || integration['PayloadFormatVersion'] !== '2.0') {
          throw new Error(
            `integration ${integrationId} of route ${id} is ${String(integration['IntegrationType'])} with payload format ${String(integration['PayloadFormatVersion'])}: ${SERVED}`,
          );
        }
        const getAtt = (integration['IntegrationUri'] as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
        if (getAtt?.[1] !== 'Arn') throw new Error(`integration ${integrationId} does not name a function of this stack by Fn::GetAtt Arn: ${SERVED}`);
        const apiId = refOf(props['ApiId']);
        if (apiId === undefined) throw new Error(`route ${id} has no ApiId Ref: ${SERVED}`);
        routes.push({ apiId, method: match[1]!, path: match[2]!, routeKey, functionId: getAtt[0] });
        break;
      }
      default:
        break;
    }
  }
  return routes;
}

/** What the local server received, in the terms the payload needs. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQueryString: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string | undefined;
  readonly sourceIp: string;
  readonly now: Date;
}

/** The Lambda event of payload format 2.0 API Gateway would send for `request` on `route`. */
export function toPayloadV2(route: HttpRoute, request: HttpRequest, requestId: string = randomUUID()): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    // Format 2.0 moves cookies to their own field and joins repeated headers with commas.
    if (lower === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = new URLSearchParams(request.rawQueryString);
  const queryStringParameters = [...new Set(query.keys())].reduce<Record<string, string>>((all, key) => ({ ...all, [key]: query.getAll(key).join(',') }), {});
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: request.path,
    rawQueryString: request.rawQueryString,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    ...(request.body !== undefined && request.body !== '' ? { body: request.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: route.apiId,
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: (headers['host'] ?? 'localhost').split('.')[0]!,
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: request.now.toUTCString(),
      timeEpoch: request.now.getTime(),
    },
  };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: string | Buffer;
}

/**
 * The HTTP response API Gateway makes of a function's result in payload format 2.0: a result with a
 * `statusCode` is taken as the response; any other value is a 200 with that value as its JSON body.
 */
export function fromLambdaResult(result: unknown): HttpResponse {
  if (typeof result === 'object' && result !== null && typeof (result as { statusCode?: unknown }).statusCode === 'number') {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const body = structured.body ?? '';
    return {
      statusCode: structured.statusCode!,
      headers: {
        ...Object.fromEntries(Object.entries(structured.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
        ...(structured.cookies && structured.cookies.length > 0 ? { 'set-cookie': structured.cookies } : {}),
      },
      body: structured.isBase64Encoded === true ? Buffer.from(body, 'base64') : body,
    };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
}

/** Invokes a function of the stack by logical id and returns its result; throws when the invocation failed. */
export type InvokeByLogicalId = (functionId: string, event: APIGatewayProxyEventV2) => Promise<unknown>;

/** Why the local cloud's endpoint and its HTTP APIs refuse a request that carries an Origin header. */
export const BROWSER_REQUEST_REFUSED = 'requests from a browser (with an Origin header) are refused by the local cloud';
/** The body message of an HTTP API's refusal, in API Gateway's `Forbidden` shape. */
export const BROWSER_REFUSED = `Forbidden: ${BROWSER_REQUEST_REFUSED}`;

/**
 * Serves `routes` on 127.0.0.1 (loopback only): each request on a route invokes its function with the
 * payload API Gateway would send and answers with the mapped result. A failed invocation is a 500 with
 * API Gateway's `Internal Server Error` body; an unknown route a 404 `Not Found`, as API Gateway answers.
 * A request with an Origin header gets a 403 and reaches no function, and no answer carries a CORS
 * header: a web page open in the student's browser must not place orders into the local cloud (a form
 * post needs no preflight), which API Gateway without a CORS configuration would still let through.
 */
export async function serveHttpApi(routes: readonly HttpRoute[], invoke: InvokeByLogicalId, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false });
  // The function gets the body as sent, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin !== undefined) await reply.code(403).send({ message: BROWSER_REFUSED });
  });
  for (const route of routes) {
    app.route({
      method: route.method as 'POST',
      url: route.path,
      handler: async (request, reply) => {
        const event = toPayloadV2(route, {
          method: request.method,
          path: route.path,
          rawQueryString: request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '',
          headers: request.headers,
          body: typeof request.body === 'string' ? request.body : undefined,
          sourceIp: request.ip,
          now: new Date(),
        });
        let response: HttpResponse;
        try {
          response = fromLambdaResult(await invoke(route.functionId, event));
        } catch {
          response = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) };
        }
        return reply.code(response.statusCode).headers(response.headers).send(response.body);
      },
    });
  }
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ message: 'Not Found' }));
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return { url: `http://127.0.0.1:${boundPort}`, close: () => app.close() };
}

/** The HTTP API servers of a template, started before the functions exist so that provisioning knows their URLs. */
export interface HttpApiServers {
  /** Loopback URL of each API's server, by the API's logical id. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** From now on, requests invoke the functions through `invoke` (function name), found by logical id in `functions`. */
  connect(invoke: (functionName: string, event: APIGatewayProxyEventV2) => Promise<unknown>, functions: readonly { logicalId: string; functionName: string }[]): void;
  close(): Promise<void>;
}

/**
 * Starts one loopback server per HTTP API of the template. Until `connect` is called (the runtime is up)
 * a request fails as a function error would, with API Gateway's 500.
 */
export async function startHttpApis(resources: Readonly<Record<string, TemplateResource>>): Promise<HttpApiServers> {
  const routes = httpRoutesOf(resources);
  const apiIds = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api').map(([id]) => id);
  let invokeById: InvokeByLogicalId = async (functionId) => {
    throw new Error(`function ${functionId} is not running yet: the local runtime has not started`);
  };
  const servers: Array<{ url: string; close(): Promise<void> }> = [];
  const endpoints: Record<string, string> = {};
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    for (const apiId of apiIds) {
      const server = await serveHttpApi(routes.filter((route) => route.apiId === apiId), (functionId, event) => invokeById(functionId, event));
      servers.push(server);
      endpoints[apiId] = server.url;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    endpoints,
    connect: (invoke, functions) => {
      const names = new Map(functions.map((f) => [f.logicalId, f.functionName]));
      invokeById = async (functionId, event) => {
        const name = names.get(functionId);
        if (name === undefined) throw new Error(`route to ${functionId}, which is not a function of this stack`);
        return invoke(name, event);
      };
    },
    close,
  };
}
