import type { OrderRequest } from '../../../lambda/orders/schemas';

/** One order the load generator places: the client's Idempotency-Key and the body. */
export interface OrderToPlace {
  readonly key: string;
  readonly request: OrderRequest;
}

/** The API's answer to one placement, after the client's retries. */
export interface PlacedOrder {
  readonly key: string;
  /** HTTP status of the last answer (201 when accepted). */
  readonly status: number;
  readonly orderId?: string;
  readonly correlationId?: string;
  /** Requests this client sent for the order (1 + its retries). */
  readonly requests: number;
  /** The status of each answer that was retried (0: no answer), in order. */
  readonly retried: readonly number[];
  /** When the API accepted it, epoch ms. */
  readonly acceptedAt?: number;
  readonly message?: string;
}

export interface PlaceOptions {
  /** Requests in flight at once: a bounded load generator, not a flood. */
  readonly concurrency: number;
  /** Further requests with the same key after a retryable answer (409, 429, 5xx, network error). */
  readonly retries?: number;
  readonly onPlaced?: (placed: PlacedOrder) => void;
  /** Only for tests: the client's fetch. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The URL `POST /orders` is served at, from the stack's ApiUrl output (with or without a trailing slash). */
export function ordersUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/orders`;
}

/** Answers worth retrying with the same key: still in progress, throttled, or the API failed. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 409 || status === 429 || status >= 500;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One `POST /orders` over real HTTP; a network error is answered as status 0. */
export async function postOrder(apiUrl: string, order: OrderToPlace, fetchImpl: typeof fetch = fetch): Promise<Answer> {
  try {
    const response = await fetchImpl(ordersUrl(apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': order.key, 'x-correlation-id': `corr-${order.key}` },
      body: JSON.stringify(order.request),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, body: { message: error instanceof Error ? error.message : String(error) } };
  }
}

/** Places one order, retrying with the same Idempotency-Key (the API answers a retry with the first order). */
export async function placeOrder(apiUrl: string, order: OrderToPlace, options: Omit<PlaceOptions, 'concurrency'> = {}): Promise<PlacedOrder> {
  const retries = options.retries ?? 6;
  const retried: number[] = [];
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let request = 1; ; request += 1) {
    const answer = await postOrder(apiUrl, order, options.fetch);
    if (answer.status === 201 || !isRetryable(answer.status) || request > retries) {
      const accepted = answer.status === 201;
      return {
        key: order.key,
        status: answer.status,
        requests: request,
        retried,
        ...(accepted ? { orderId: String(answer.body.orderId), correlationId: String(answer.body.correlationId), acceptedAt: Date.now() } : {}),
        ...(!accepted ? { message: String(answer.body.message ?? '') } : {}),
      };
    }
    retried.push(answer.status);
    // Patient enough to outlast a cold intake that timed out: its in-progress record expires with it.
    await sleep(Math.min(4000, 250 * 2 ** (request - 1)));
  }
}

/**
 * Places every order through the API with at most `concurrency` requests in flight; the answers come
 * back in the order of `orders`.
 */
export async function placeOrders(apiUrl: string, orders: readonly OrderToPlace[], options: PlaceOptions): Promise<PlacedOrder[]> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`concurrency must be a positive integer, but ${options.concurrency} was provided`);
  }
  const placed: PlacedOrder[] = new Array(orders.length);
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < orders.length) {
      const index = next;
      next += 1;
      const result = await placeOrder(apiUrl, orders[index]!, options);
      placed[index] = result;
      options.onPlaced?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, orders.length) }, client));
  return placed;
}
