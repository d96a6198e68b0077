import { json, labs, type CliRun } from './cli-process';

/**
 * `labs orders duplicates` as a subprocess on the local cloud, once, with 10 orders: each placed, then
 * sent twice more with the same Idempotency-Key (20 retried requests), and each OrderPlaced sent again
 * into the three queues (10 copies each). The 10th order is declined, so its inventory copy comes after
 * its stock was given back. Written out here: 9 confirmed, 1 rejected, 9 charges, stock 19 initial,
 * 19 reserved, 1 released, 1 left; every payment and notification copy found its work done.
 */
jest.setTimeout(300_000);

let run: CliRun;
let result: Record<string, unknown>;

beforeAll(async () => {
  run = await labs('orders', 'duplicates', '--orders', '10', '--client-retries', '2', '--json');
  result = json(run);
}, 300_000);

test('retries get the first answer and redelivered copies have no second effect', () => {
  const keys = ['module', 'target', 'ok', 'failures', 'orders', 'accepted', 'clientRetries', 'sameAnswers', 'distinctOrderIds', 'confirmed', 'rejected', 'charges', 'refunds', 'notified', 'deadLettered', 'stock', 'services', 'secondEffects', 'timedOut'];
  expect(Object.fromEntries(keys.map((key) => [key, result[key]]))).toEqual({
    module: 'orders',
    target: 'local',
    ok: true,
    failures: [],
    orders: 10,
    accepted: 10,
    clientRetries: 20,
    sameAnswers: 20,
    distinctOrderIds: 10,
    confirmed: 9,
    rejected: 1,
    charges: 9,
    refunds: 0,
    notified: 10,
    deadLettered: 0,
    stock: { initial: 19, reserved: 19, released: 1, final: 1, wentNegative: false },
    services: [
      { name: 'payment', redelivered: 10, processedTwice: 10, repeats: 10 },
      { name: 'inventory', redelivered: 10, processedTwice: 10, repeats: 0 },
      { name: 'notification', redelivered: 10, processedTwice: 10, repeats: 10 },
    ],
    secondEffects: { charges: 0, reservations: 0, emails: 0 },
    timedOut: false,
  });
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/sending 10 OrderPlaced copies into each of the payment, inventory and notification queues/);
});
