import { BROWSER_REFUSED, fromLambdaResult, httpRoutesOf, serveHttpApi, startHttpApis, toPayloadV2, type HttpRoute } from '../../../../../labs/targets/local/runtime/http-api';

/** The resources CDK's HttpApi + HttpLambdaIntegration write for `POST /orders` (as in LabOrders). */
function apiResources(overrides: { route?: Record<string, unknown>; integration?: Record<string, unknown>; api?: Record<string, unknown> } = {}) {
  return {
    OrderApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP', ...overrides.api } },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'OrderApi' },
        AuthorizationType: 'NONE',
        RouteKey: 'POST /orders',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
        ...overrides.route,
      },
    },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: { ApiId: { Ref: 'OrderApi' }, IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': ['Intake', 'Arn'] }, PayloadFormatVersion: '2.0', ...overrides.integration },
    },
  };
}

const ROUTE: HttpRoute = { apiId: 'OrderApi', method: 'POST', path: '/orders', routeKey: 'POST /orders', functionId: 'Intake' };

describe('httpRoutesOf', () => {
  test('reads each route with the function its proxy integration invokes', () => {
    expect(httpRoutesOf(apiResources())).toEqual([ROUTE]);
  });

  test.each([
    ['a WebSocket API', { api: { ProtocolType: 'WEBSOCKET' } }, /API OrderApi has ProtocolType WEBSOCKET/],
    ['payload format 1.0', { integration: { PayloadFormatVersion: '1.0' } }, /integration Integration of route Route is AWS_PROXY with payload format 1.0/],
    ['an HTTP proxy integration', { integration: { IntegrationType: 'HTTP_PROXY' } }, /is HTTP_PROXY with payload format 2.0/],
    ['a $default route', { route: { RouteKey: '$default' } }, /route Route has RouteKey '\$default'/],
    ['a greedy path', { route: { RouteKey: 'GET /orders/{proxy+}' } }, /RouteKey 'GET \/orders\/\{proxy\+\}'/],
    ['an IAM-authorized route', { route: { AuthorizationType: 'AWS_IAM' } }, /route Route has AuthorizationType AWS_IAM/],
  ])('fails if the template has %s, naming the resource', (_name, overrides, message) => {
    expect(() => httpRoutesOf(apiResources(overrides))).toThrow(message);
  });
});

describe('toPayloadV2', () => {
  const now = new Date('2026-12-01T20:00:00.000Z');

  test('builds the 2.0 event: lower-case headers, cookies apart, query parameters joined, the raw body', () => {
    const event = toPayloadV2(
      ROUTE,
      {
        method: 'POST',
        path: '/orders',
        rawQueryString: 'a=1&a=2&b=x',
        headers: { 'Idempotency-Key': 'k-1', cookie: 'c1=v1; c2=v2', host: '127.0.0.1:4000', accept: ['a', 'b'] },
        body: '{"x":1}',
        sourceIp: '127.0.0.1',
        now,
      },
      'req-1',
    );
    expect(event).toEqual(
      expect.objectContaining({
        version: '2.0',
        routeKey: 'POST /orders',
        rawPath: '/orders',
        headers: { 'idempotency-key': 'k-1', host: '127.0.0.1:4000', accept: 'a,b' },
        cookies: ['c1=v1', 'c2=v2'],
        queryStringParameters: { a: '1,2', b: 'x' },
        body: '{"x":1}',
        isBase64Encoded: false,
      }),
    );
    expect(event.requestContext).toEqual(expect.objectContaining({ requestId: 'req-1', stage: '$default', timeEpoch: now.getTime(), http: expect.objectContaining({ method: 'POST', path: '/orders' }) }));
  });
});

describe('fromLambdaResult', () => {
  test.each([
    ['a structured result as is', { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' }, { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }],
    ['cookies as set-cookie', { statusCode: 200, cookies: ['a=1'], body: '' }, { statusCode: 200, headers: { 'set-cookie': ['a=1'] }, body: '' }],
    ['any other value as a 200 JSON body', { orderId: 'o-1' }, { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"orderId":"o-1"}' }],
  ])('maps %s', (_name, result, expected) => {
    expect(fromLambdaResult(result)).toEqual(expected);
  });

  test('decodes a base64 body', () => {
    expect(fromLambdaResult({ statusCode: 200, body: Buffer.from('hi').toString('base64'), isBase64Encoded: true }).body).toEqual(Buffer.from('hi'));
  });
});

describe('serveHttpApi', () => {
  test('serves a route on loopback through its function, and answers 404 and 500 as API Gateway does', async () => {
    const events: unknown[] = [];
    const server = await serveHttpApi([ROUTE], async (functionId, event) => {
      events.push({ functionId, body: event.body, key: event.headers['idempotency-key'] });
      if (event.body === 'boom') throw new Error('handler failed');
      return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"orderId":"o-1"}' };
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' }, body: '{"a":1}' });
      expect([ok.status, await ok.json()]).toEqual([201, { orderId: 'o-1' }]);
      expect(events).toEqual([{ functionId: 'Intake', body: '{"a":1}', key: 'k-1' }]);
      const failed = await fetch(`${server.url}/orders`, { method: 'POST', body: 'boom' });
      expect([failed.status, await failed.json()]).toEqual([500, { message: 'Internal Server Error' }]);
      const missing = await fetch(`${server.url}/nothing`);
      expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
    } finally {
      await server.close();
    }
  });
});

describe('a request from a browser', () => {
  test.each([
    ['a cross-site form post', 'POST', '/orders', { origin: 'https://example.com', 'content-type': 'text/plain' }],
    ['a preflight', 'OPTIONS', '/orders', { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST' }],
    ['a request to no route', 'GET', '/nothing', { origin: 'null' }],
  ])('%s gets a 403, reaches no function and carries no CORS header', async (_name, method, path, headers) => {
    const invoked: string[] = [];
    const server = await serveHttpApi([ROUTE], async (functionId) => {
      invoked.push(functionId);
      return { statusCode: 201, body: '{}' };
    });
    try {
      const answer = await fetch(`${server.url}${path}`, { method, headers, ...(method === 'POST' ? { body: '{"a":1}' } : {}) });
      expect([answer.status, await answer.json()]).toEqual([403, { message: BROWSER_REFUSED }]);
      expect([...answer.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(invoked).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('startHttpApis', () => {
  test('listens per API before the functions exist, then invokes the routed function by its name', async () => {
    // GIVEN
    const apis = await startHttpApis(apiResources());
    try {
      const url = apis.endpoints['OrderApi'];
      expect(Object.keys(apis.endpoints)).toEqual(['OrderApi']);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // WHEN the runtime is not up yet
      const early = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
      // THEN
      expect(early.status).toBe(500);
      // WHEN connected
      const invoked: string[] = [];
      apis.connect(async (functionName) => {
        invoked.push(functionName);
        return { statusCode: 202, body: 'accepted' };
      }, [{ logicalId: 'Intake', functionName: 'LabOrders-Intake-ABC' }]);
      const later = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
      // THEN
      expect([later.status, await later.text()]).toEqual([202, 'accepted']);
      expect(invoked).toEqual(['LabOrders-Intake-ABC']);
    } finally {
      await apis.close();
    }
  });

  test('fails if a route leads to something it would not serve, with no server left listening', async () => {
    await expect(startHttpApis(apiResources({ route: { RouteKey: '$default' } }))).rejects.toThrow(/RouteKey '\$default'/);
  });
});
