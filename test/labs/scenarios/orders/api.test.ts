import { isRetryable, ordersUrl, placeOrders, type OrderToPlace } from '../../../../labs/scenarios/orders/api';

const order = (key: string): OrderToPlace => ({ key, request: { customerEmail: 'a@example.com', amountCents: 100, items: [{ sku: 'A', quantity: 1 }] } });

/** A fake API: answers per key from a script, counts requests in flight. */
function fakeApi(script: Record<string, number[]>) {
  const seen: { key: string; body: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const key = (init.headers as Record<string, string>)['idempotency-key']!;
    seen.push({ key, body: String(init.body) });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    const status = script[key]?.shift() ?? 201;
    return new Response(JSON.stringify(status === 201 ? { orderId: `id-${key}`, correlationId: `corr-${key}`, status: 'PLACED' } : { message: `status ${status}` }), { status });
  }) as unknown as typeof fetch;
  return { fetchImpl, seen, maxInFlight: () => maxInFlight };
}

describe('placeOrders', () => {
  test('keeps at most `concurrency` requests in flight and answers in the orders\' order', async () => {
    const api = fakeApi({});
    const orders = Array.from({ length: 12 }, (_, i) => order(`k${i}`));
    const placed = await placeOrders('http://api', orders, { concurrency: 3, fetch: api.fetchImpl, sleep: async () => {} });
    expect(api.maxInFlight()).toBe(3);
    expect(placed.map((p) => [p.key, p.status, p.orderId, p.requests])).toEqual(orders.map((o) => [o.key, 201, `id-${o.key}`, 1]));
  });

  test('retries a 503, a 409 and a lost answer with the same key and body, then takes the first answer', async () => {
    const api = fakeApi({ k0: [503, 409] });
    // Status 0 cannot be a Response: a network error is what the client sees as no answer.
    const fetchImpl = (async (url: string, init: RequestInit) => {
      if (api.seen.length === 2) {
        api.seen.push({ key: 'k0', body: String(init.body) });
        throw new TypeError('fetch failed');
      }
      return api.fetchImpl(url, init);
    }) as unknown as typeof fetch;
    const [placed] = await placeOrders('http://api', [order('k0')], { concurrency: 1, fetch: fetchImpl, sleep: async () => {} });
    expect(placed).toMatchObject({ status: 201, orderId: 'id-k0', requests: 4, retried: [503, 409, 0] });
    expect(new Set(api.seen.map((s) => `${s.key} ${s.body}`)).size).toBe(1);
  });

  test('does not retry a 400: the order itself is wrong', async () => {
    const api = fakeApi({ k0: [400] });
    const [placed] = await placeOrders('http://api', [order('k0')], { concurrency: 1, fetch: api.fetchImpl, sleep: async () => {} });
    expect(placed).toMatchObject({ status: 400, requests: 1, retried: [], message: 'status 400' });
  });

  test('fails if concurrency is not a positive integer', async () => {
    await expect(placeOrders('http://api', [], { concurrency: 0 })).rejects.toThrow(/concurrency must be a positive integer, but 0 was provided/);
  });

  test.each([[409, true], [429, true], [500, true], [503, true], [0, true], [400, false], [422, false], [201, false]])('status %i retryable: %s', (status, retryable) => {
    expect(isRetryable(status)).toBe(retryable);
  });

  test('the orders URL of an ApiUrl with or without a trailing slash', () => {
    expect(ordersUrl('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000/orders');
    expect(ordersUrl('https://abc.execute-api.us-east-1.amazonaws.com/')).toBe('https://abc.execute-api.us-east-1.amazonaws.com/orders');
  });
});
