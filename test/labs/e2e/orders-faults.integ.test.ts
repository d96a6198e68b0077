import { json, labsSideBySide, type CliRun } from './cli-process';

/**
 * The fault labs of LabOrders end to end on the local cloud, each run once with few orders, short
 * outages and a 10 s alarm period (`-c ordersAlarmSeconds=10`), its observations asserted exactly.
 * The three runs go side by side, each with a local cloud of its own: they mostly wait (outages, alarm
 * periods), and the file takes as long as its longest run instead of the sum of the three.
 */
let runs: Readonly<Record<'inventory' | 'payment' | 'redrive', Promise<CliRun>>>;
beforeAll(() => {
  runs = labsSideBySide({
    inventory: ['orders', 'outage', 'inventory', '--orders', '10', '--seconds', '15', '-c', 'ordersAlarmSeconds=10', '--json'],
    payment: ['orders', 'outage', 'payment', '--orders', '5', '--seconds', '1', '-c', 'ordersBreakerCoolDownSeconds=2', '-c', 'ordersAlarmSeconds=10', '--json'],
    redrive: ['orders', 'redrive', '--queue', 'payment', '--orders', '10', '-c', 'ordersBreakerCoolDownSeconds=2', '--json'],
  });
});

interface Depths {
  readonly name: string;
  readonly maxDepth: number;
  readonly drainedAt?: number;
  readonly depthSeries: readonly { readonly t: number; readonly depth: number }[];
}

interface Alarm {
  readonly name: string;
  readonly service: string;
  readonly metric: string;
  readonly state: string;
  readonly since: number;
  readonly transitions: readonly { readonly at: number; readonly state: string }[];
}

interface Outage {
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly orders: number;
  readonly confirmed: number;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly charges: number;
  readonly stock: { readonly initial: number; readonly reserved: number; readonly released: number; readonly final: number; readonly wentNegative: boolean };
  readonly outage: { readonly placedAt: number; readonly until: number };
  readonly services: readonly Depths[];
  readonly alarms: readonly Alarm[];
}

describe('labs orders outage inventory', () => {
  test('inventory backs up and its age alarm fires while payment and notification keep pace; then every order completes once', async () => {
    const run = await runs.inventory;
    const result = json<Outage>(run);
    expect({ code: run.code, failures: result.failures }).toEqual({ code: 0, failures: [] });
    // 10 orders: the 10th is declined, the other 9 find stock.
    expect([result.orders, result.confirmed, result.rejected, result.deadLettered, result.charges]).toEqual([10, 9, 1, 0, 9]);
    expect(result.stock).toEqual({ initial: 19, reserved: 19, released: 1, final: 1, wentNegative: false });
    const byName = Object.fromEntries(result.services.map((s) => [s.name, s]));
    expect(byName.inventory?.maxDepth).toBe(10);
    expect(byName.payment!.drainedAt).toBeLessThanOrEqual(result.outage.until);
    expect(byName.notification!.drainedAt).toBeLessThanOrEqual(result.outage.until);
    expect(result.outage.until - result.outage.placedAt).toBeGreaterThanOrEqual(15_000);
    expect(byName.inventory!.drainedAt).toBeGreaterThan(result.outage.until);
    const age = result.alarms.find((a) => a.service === 'inventory' && a.metric === 'ApproximateAgeOfOldestMessage');
    expect(age?.transitions.map((t) => t.state).slice(-2)).toEqual(['ALARM', 'OK']);
    expect(age!.transitions.find((t) => t.state === 'ALARM')!.at).toBeLessThan(result.outage.until);
    expect(result.alarms.filter((a) => a.state !== 'OK')).toEqual([]);
    expect(result.alarms).toHaveLength(6);
  }, 420_000);
});

interface PaymentOutage {
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly orders: number;
  readonly confirmed: number;
  readonly rejected: number;
  readonly pending: number;
  readonly deadLetteredByQueue: Readonly<Record<string, number>>;
  readonly charges: number;
  readonly notified: number;
  readonly stock: Outage['stock'];
  readonly outage: { readonly until: number };
  readonly breaker: {
    readonly transitions: readonly { readonly at: number; readonly from: string; readonly to: string }[];
    readonly failuresBeforeOpen: number;
    readonly providerCallsWhileOpen: number;
    readonly probes: number;
    readonly callsByOutcome: Readonly<Record<string, number>>;
    readonly final: string;
  };
  readonly services: readonly Depths[];
  readonly alarms: readonly Alarm[];
}

describe('labs orders outage payment', () => {
  test('the shared breaker opens after 5 failed deliveries, no call goes through while it is open, every outage order ends in the payment DLQ, a probe closes it on recovery', async () => {
    const run = await runs.payment;
    const result = json<PaymentOutage>(run);
    expect({ code: run.code, failures: result.failures }).toEqual({ code: 0, failures: [] });
    // 5 orders during the outage, all dead-lettered by payment and waiting; 3 after it, confirmed.
    expect([result.orders, result.confirmed, result.rejected, result.pending, result.charges, result.notified]).toEqual([8, 3, 0, 5, 3, 8]);
    expect(result.deadLetteredByQueue).toEqual({ payment: 5, inventory: 0, notification: 0 });
    // The waiting orders hold their stock until payment answers.
    expect(result.stock).toEqual({ initial: 16, reserved: 16, released: 0, final: 0, wentNegative: false });
    const { breaker } = result;
    expect([breaker.failuresBeforeOpen, breaker.providerCallsWhileOpen, breaker.final, breaker.callsByOutcome.CHARGED]).toEqual([5, 0, 'CLOSED', 3]);
    expect(breaker.transitions[0]).toEqual(expect.objectContaining({ from: 'CLOSED', to: 'OPEN' }));
    expect(breaker.transitions[breaker.transitions.length - 1]).toEqual(expect.objectContaining({ from: 'HALF_OPEN', to: 'CLOSED' }));
    expect(breaker.transitions[breaker.transitions.length - 1]!.at).toBeGreaterThan(result.outage.until);
    expect(breaker.probes).toBe(breaker.transitions.filter((t) => t.to === 'HALF_OPEN').length);
    const payment = result.services.find((s) => s.name === 'payment');
    expect(payment?.maxDepth).toBe(5);
    expect(result.alarms).toHaveLength(6);
  }, 420_000);
});

interface Redrive {
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly filled: { readonly orders: number; readonly ok: boolean };
  readonly queues: readonly { readonly name: string; readonly moved: number; readonly failed: number }[];
  readonly orders: number;
  readonly confirmed: number;
  readonly rejected: number;
  readonly expected: { readonly confirmed: number; readonly rejected: number };
  readonly charges: number;
  readonly chargedTwice: number;
  readonly heldByRejected: number;
  readonly confirmedWithoutStock: number;
  readonly notified: number;
  readonly leftInDeadLetterQueues: number;
}

describe('labs orders redrive', () => {
  test('fills the empty payment DLQ with a payment outage, moves its 10 orders back, and each completes once', async () => {
    const run = await runs.redrive;
    const result = json<Redrive>(run);
    expect({ code: run.code, failures: result.failures }).toEqual({ code: 0, failures: [] });
    expect([result.filled.orders, result.filled.ok]).toEqual([10, true]);
    expect(result.queues).toEqual([{ name: 'payment', moved: 10, failed: 0 }]);
    // The 10th is over the card limit: declined after the redrive, its stock released; the other 9 are charged once.
    expect([result.orders, result.confirmed, result.rejected, result.charges, result.notified]).toEqual([10, 9, 1, 9, 10]);
    expect(result.expected).toEqual({ confirmed: 9, rejected: 1 });
    expect([result.chargedTwice, result.heldByRejected, result.confirmedWithoutStock, result.leftInDeadLetterQueues]).toEqual([0, 0, 0, 0]);
  }, 420_000);
});
