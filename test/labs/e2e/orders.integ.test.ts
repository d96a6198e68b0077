import { failsTransiently } from '../../../lambda/orders/provider';
import { json, labs, type CliRun } from './cli-process';

/**
 * `labs orders` as a subprocess on the local cloud, once, with 10 orders: the 10th is over the
 * provider's limit (declined), the other 9 find 9 units of the scarce SKU (none refused). Written out
 * here, not read from the run: 9 confirmed, 1 rejected, 9 charges, stock 10 + 9 initial, 1 + 18
 * reserved, the declined order's 1 released, 1 left. The payment worker crashes (its process exits)
 * after charging the first 2 orders, before recording it; the queue redelivers each after its
 * visibility timeout (30 s with `-c ordersPaymentTimeoutSeconds=5`), and the provider answers the
 * redelivery from its ledger: 2 calls and 1 charge each, 12 calls for 10 orders.
 */
jest.setTimeout(300_000);

let run: CliRun;
let result: Record<string, unknown>;

beforeAll(async () => {
  run = await labs('orders', '--orders', '10', '--crash-after-charge', '2', '-c', 'ordersPaymentTimeoutSeconds=5', '--json');
  result = json(run);
}, 300_000);

const pick = (keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.map((key) => [key, result[key]]));

test('every order ends once: the planned outcome, one standing charge per confirmed order, exact stock', () => {
  expect(pick(['module', 'target', 'ok', 'failures', 'orders', 'accepted', 'confirmed', 'rejected', 'pending', 'deadLettered', 'charges', 'refunds', 'notified', 'heldByRejected', 'chargeMismatches', 'stock', 'paymentFailureRate', 'timedOut'])).toEqual({
    module: 'orders',
    target: 'local',
    ok: true,
    failures: [],
    orders: 10,
    accepted: 10,
    confirmed: 9,
    rejected: 1,
    pending: 0,
    deadLettered: 0,
    charges: 9,
    refunds: 0,
    notified: 10,
    heldByRejected: 0,
    chargeMismatches: 0,
    stock: { initial: 19, reserved: 19, released: 1, final: 1, wentNegative: false },
    paymentFailureRate: 0.2,
    timedOut: false,
  });
  expect(run.code).toBe(0);
  expect(result.rejections).toEqual({ 'payment declined': 1 });
  expect([result.crashes, result.providerCalls]).toEqual([{ orders: 2, redelivered: 2, providerCalls: 4, charges: 2 }, 12]);
  const latency = result.latencyMs as { p50: number; p99: number };
  expect(latency.p50).toBeGreaterThan(0);
  expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
});

interface Service {
  name: string;
  processed: number;
  deliveries: number;
  workers: { id: string; tasks: number }[];
  retries: number;
  redeliveries: number;
  retryDelaysMs: number[];
  repeats: number;
  expected?: { retries: number; redeliveries: number };
}

interface Service {
  name: string;
  processed: number;
  deliveries: number;
  workers: { id: string; tasks: number }[];
  retries: number;
  redeliveries: number;
  retryDelaysMs: number[];
  failed: number;
  unrecorded: number;
  repeats: number;
  expected?: { retries: number; redeliveries: number };
  replayed?: { retries: number; failedDeliveries: number };
}

/**
 * Payment's in-process retries for these orders, counted here from the provider's failure hash alone:
 * calls 1, 2, 3 of an order are its first delivery (2 retries allowed), calls 4, 5, 6 its second.
 */
function paymentRetriesOf(orderIds: readonly string[]): { retries: number; redeliveries: number } {
  let retries = 0;
  let redeliveries = 0;
  for (const id of orderIds) {
    let call = 1;
    while (failsTransiently(id, call, 0.2)) {
      if (call % 3 === 0) redeliveries += 1;
      else retries += 1;
      call += 1;
    }
  }
  return { retries, redeliveries };
}

test('per service, from the ledger: every order processed once, tasks spread over at most the pool, payment retries as the hash says', () => {
  const orderIds = result.orderIds as string[];
  expect(orderIds).toHaveLength(10);
  const services = result.services as Service[];
  expect(services.map((s) => s.name)).toEqual(['payment', 'inventory', 'notification']);
  for (const s of services) {
    expect(s.processed).toBe(10);
    // The two orders whose payment worker crashed after the charge are answered from the provider's
    // ledger on their redelivery: a repeat each; no other service sees a repeat.
    expect(s.repeats).toBe(s.name === 'payment' ? 2 : 0);
    expect(s.workers.length).toBeGreaterThanOrEqual(1);
    // At most the pool at once; an environment is replaced only after a delivery that did not finish
    // (the crash after the charge, a timeout), and each of those is counted as unrecorded.
    expect(s.workers.length).toBeLessThanOrEqual(3 + s.unrecorded);
    expect(s.workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(s.deliveries);
    // Every receive either left an entry or is counted as unfinished (a cold start past the timeout).
    expect(s.deliveries + s.unrecorded).toBe(10 + s.redeliveries);
  }
  const [payment, inventory, notification] = services as [Service, Service, Service];
  // Planned before the run, from the hash alone; the ledger matches it whenever every receive ran.
  expect(payment.expected).toMatchObject(paymentRetriesOf(orderIds));
  expect(payment.retries).toBe(payment.replayed!.retries);
  expect(payment.failed).toBe(payment.replayed!.failedDeliveries);
  if (payment.unrecorded === 0) expect({ retries: payment.retries, redeliveries: payment.redeliveries }).toEqual(paymentRetriesOf(orderIds));
  // Full jitter under the 100 ms base, doubling: each wait below 200 ms.
  expect(payment.retryDelaysMs).toHaveLength(payment.retries);
  for (const ms of payment.retryDelaysMs) expect(ms).toBeLessThan(200);
  for (const s of [inventory, notification]) expect([s.retries, s.failed]).toEqual([0, 0]);
});

test('progress on stderr, one JSON object on stdout', () => {
  expect(run.stderr).toMatch(/placing 10 orders through http:\/\/127\.0\.0\.1:\d+ \(run [0-9a-f]{8}; payment failure rate 0\.2, pools of 3\)/);
  expect(run.stderr).toMatch(/terminal orders: 10\/10/);
  expect(run.stderr).toMatch(/the payment worker crashes after charging 2 order\(s\), before recording it; the queue redelivers each after 30 s/);
  expect(run.stdout.trim().split('\n')).toHaveLength(1);
});
