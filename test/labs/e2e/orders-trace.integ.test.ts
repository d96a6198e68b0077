import { ORDER_ID_PATTERN } from '../../../lambda/orders/intake-core';
import { json, labs, type CliRun } from './cli-process';

/**
 * `labs orders trace` as a subprocess on a fresh local cloud, once: with no id it places one order (one
 * unit of one SKU in stock, no fault switch set, so it is charged at the first call and CONFIRMED) and
 * traces it from the local log store. Each function's own steps come in a known order; how the four
 * interleave is the pools' concurrency, so only the order within each is exact.
 */
jest.setTimeout(180_000);

interface Step {
  at: number;
  time: string;
  function: string;
  logStream: string;
  step: string;
  detail: string;
}

let run: CliRun;
let result: Record<string, unknown>;
let steps: Step[];

beforeAll(async () => {
  run = await labs('orders', 'trace', '--json');
  result = json(run);
  steps = result.steps as Step[];
}, 180_000);

const of = (fn: string): string[] => steps.filter((s) => s.function === fn).map((s) => s.step);

test('the verdict holds for the order the lab placed: accepted, both sides answered, confirmed, e-mailed', () => {
  expect(run.code).toBe(0);
  expect(result).toMatchObject({
    module: 'orders',
    scenario: 'trace',
    target: 'local',
    ok: true,
    failures: [],
    placedByLab: true,
    status: 'CONFIRMED',
    terminal: 'CONFIRMED',
    answers: { payment: 'CHARGED', inventory: 'RESERVED' },
    notified: true,
    deadLettered: [],
  });
  expect(result.orderId).toMatch(ORDER_ID_PATTERN);
  expect(run.stderr).toContain(`no order id given: placing one order through http://127.0.0.1:`);
  expect(run.stderr).toContain(`order id ${String(result.orderId)})`);
});

test('each function\'s steps in their order, one queue hop per service, every function present', () => {
  expect(new Set(result.functions as string[])).toEqual(new Set(['orders-intake', 'orders-payment', 'orders-inventory', 'orders-notification']));
  expect(of('orders-intake')).toEqual(['published', 'accepted']);
  expect(of('orders-payment')).toEqual(['received', 'provider-call', 'charged', 'settled', 'done']);
  expect(of('orders-inventory')).toEqual(['received', 'reserved', 'settled', 'done']);
  expect(of('orders-notification')).toEqual(['received', 'sent', 'done']);
  for (const queue of ['payment queue', 'inventory queue', 'notification queue']) expect(of(queue)).toEqual(['queued']);
  expect(steps).toHaveLength(17);
  // Exactly one of the two deciding workers ended the order: whichever answered second.
  expect(steps.filter((s) => s.step === 'settled' && s.detail.endsWith('(this worker ended it)'))).toHaveLength(1);
});

test('time order, offsets from the accept, and the environment of every line', () => {
  const at = steps.map((s) => s.at);
  expect(at).toEqual([...at].sort((a, b) => a - b));
  expect(steps.find((s) => s.step === 'accepted')?.at).toBe(0);
  for (const service of ['payment', 'inventory', 'notification']) {
    const queued = steps.find((s) => s.function === `${service} queue`)!;
    const received = steps.find((s) => s.function === `orders-${service}` && s.step === 'received')!;
    expect(received.at).toBeGreaterThanOrEqual(queued.at);
  }
  for (const s of steps) expect(s.logStream === '').toBe(s.step === 'queued');
  expect(result.environments).toBe(4);
  expect(run.stdout.trim().split('\n')).toHaveLength(1);
});
