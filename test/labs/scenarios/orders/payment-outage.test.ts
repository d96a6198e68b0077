import { renderBreaker, renderPaymentOutage } from '../../../../labs/report/orders-outage';
import { PLAIN } from '../../../../labs/report/style';
import { breakerFailures, breakerObservationsOf, statusAt, type BreakerObservations } from '../../../../labs/scenarios/orders/breaker';
import { paymentOutageExpected, paymentOutageVerdict, RECOVERY_ORDERS, type PaymentOutageObservations } from '../../../../labs/scenarios/orders/payment-outage';
import { planOrders } from '../../../../labs/scenarios/orders/plan';
import type { BreakerState } from '../../../../lambda/orders/breaker';
import type { BreakerTransition, ProviderCall } from '../../../../lambda/orders/breaker-record';

const POLICY = { failureThreshold: 5, coolDownMs: 2000 };
const CLOSED: BreakerState = { status: 'CLOSED', failures: 0, openUntil: 0, version: 10 };
const STARTED = 1_000_000;

/**
 * An outage as the pool records it, from version 10: five counted failures (11 to 15, the 15th opens),
 * a failed probe (16 half-open, 17 open again), a successful one (18 half-open, 19 closed).
 */
const TRANSITIONS: BreakerTransition[] = [
  { version: 15, at: STARTED + 3_000, from: 'CLOSED', to: 'OPEN' },
  { version: 16, at: STARTED + 5_000, from: 'OPEN', to: 'HALF_OPEN' },
  { version: 17, at: STARTED + 5_100, from: 'HALF_OPEN', to: 'OPEN' },
  { version: 18, at: STARTED + 20_000, from: 'OPEN', to: 'HALF_OPEN' },
  { version: 19, at: STARTED + 20_050, from: 'HALF_OPEN', to: 'CLOSED' },
];

const call = (breakerVersion: number, outcome: ProviderCall['outcome'], breaker: ProviderCall['breaker'] = 'CLOSED'): ProviderCall => ({
  at: STARTED,
  attempt: 1,
  breaker,
  breakerVersion,
  outcome,
});

/** 5 failed deliveries of 3 calls while closed, the two probes, and the recovery orders' 2 charges after the close. */
const CALLS: ProviderCall[] = [
  ...[10, 11, 12, 13, 14].flatMap((v) => [call(v, 'outage'), call(v, 'outage'), call(v, 'outage')]),
  call(16, 'outage', 'HALF_OPEN'),
  call(18, 'CHARGED', 'HALF_OPEN'),
  call(19, 'CHARGED'),
  call(19, 'CHARGED'),
];

function observed(calls: readonly ProviderCall[] = CALLS, transitions: readonly BreakerTransition[] = TRANSITIONS): BreakerObservations {
  const final = transitions.length > 0 ? { status: transitions[transitions.length - 1]!.to, failures: 0, openUntil: 0, version: 19 } : CLOSED;
  return breakerObservationsOf({ policy: POLICY, initial: CLOSED, final, transitions, calls, startedAt: STARTED });
}

describe('statusAt', () => {
  test.each([
    [10, 'CLOSED'],
    [14, 'CLOSED'],
    [15, 'OPEN'],
    [16, 'HALF_OPEN'],
    [17, 'OPEN'],
    [19, 'CLOSED'],
    [25, 'CLOSED'],
  ])('version %i: %s', (version, status) => {
    expect(statusAt(version, CLOSED, TRANSITIONS)).toBe(status);
  });
});

describe('breakerObservationsOf', () => {
  test('counts the calls by the status their breaker version had, the probes apart, and the failures before the open', () => {
    expect(observed()).toEqual({
      failureThreshold: 5,
      coolDownMs: 2000,
      initial: 'CLOSED',
      final: 'CLOSED',
      transitions: [
        { at: 3_000, from: 'CLOSED', to: 'OPEN' },
        { at: 5_000, from: 'OPEN', to: 'HALF_OPEN' },
        { at: 5_100, from: 'HALF_OPEN', to: 'OPEN' },
        { at: 20_000, from: 'OPEN', to: 'HALF_OPEN' },
        { at: 20_050, from: 'HALF_OPEN', to: 'CLOSED' },
      ],
      failuresBeforeOpen: 5,
      providerCalls: 19,
      providerCallsWhileOpen: 0,
      probes: 2,
      callsByOutcome: { outage: 16, CHARGED: 3 },
    });
  });

  test('counts a call behind an open version, and a second call behind one probe, as calls while open (whatever the caller said)', () => {
    const b = observed([...CALLS, call(15, 'outage'), call(17, 'outage', 'CLOSED'), call(16, 'outage', 'HALF_OPEN')]);
    expect([b.providerCallsWhileOpen, b.probes]).toEqual([3, 2]);
  });
});

describe('breakerFailures', () => {
  test('holds for an outage that opened once, probed, and closed after the recovery', () => {
    expect(breakerFailures(observed(), 19_000)).toEqual([]);
  });

  test.each([
    ['a call while open', () => breakerFailures(observed([...CALLS, call(15, 'outage')]), 19_000), /1 provider call\(s\) while the breaker was open/],
    ['a close before the recovery', () => breakerFailures(observed(), 21_000), /closed at 20050 ms, before the provider recovered at 21000 ms/],
    ['no transition', () => breakerFailures(observed([], []), 0), /never changed/],
    ['an open after 6 failures', () => breakerFailures(observed(CALLS, TRANSITIONS.map((t) => ({ ...t, version: t.version + 1 }))), 19_000), /opened after 6 failed deliveries, expected 5/],
    ['an open breaker at the end', () => breakerFailures(observed(CALLS, TRANSITIONS.slice(0, 3)), 19_000), /ended OPEN, expected CLOSED/],
    ['a skipped half-open', () => breakerFailures(observed(CALLS, [TRANSITIONS[0]!, { version: 16, at: STARTED + 5_000, from: 'OPEN', to: 'CLOSED' }]), 0), /transition 2 \(OPEN -> CLOSED\) does not follow OPEN/],
  ])('fails on %s', (_name, failures, message) => {
    expect(failures().join('\n')).toMatch(message);
  });
});

describe('paymentOutageExpected', () => {
  test.each([
    // outage orders, expected: all dead-lettered; inventory refuses 1 in 10 of the contending ones
    [5, { deadLettered: 5, confirmed: 3, rejected: 0, pending: 5 }],
    [10, { deadLettered: 10, confirmed: 3, rejected: 0, pending: 10 }],
    [25, { deadLettered: 25, confirmed: 3, rejected: 2, pending: 23 }],
  ])('%i orders during the outage, %p', (orders, expected) => {
    expect(paymentOutageExpected(planOrders('r1', orders), planOrders('r1-after', RECOVERY_ORDERS))).toEqual(expected);
  });
});

/** A run of 5 outage orders, all dead-lettered, and 3 recovery orders confirmed. */
function run(overrides: Partial<PaymentOutageObservations> = {}): PaymentOutageObservations {
  return {
    runId: 'r1',
    startedAt: new Date(STARTED).toISOString(),
    orders: 8,
    ordersDuringOutage: 5,
    ordersAfterRecovery: 3,
    accepted: 8,
    outage: { service: 'payment', seconds: 1, from: 0, placedAt: 1_000, until: 19_000 },
    confirmed: 3,
    rejected: 0,
    pending: 5,
    deadLettered: 5,
    deadLetteredByQueue: { payment: 5, inventory: 0, notification: 0 },
    expected: { deadLettered: 5, confirmed: 3, rejected: 0, pending: 5 },
    charges: 3,
    notified: 8,
    stock: { initial: 16, reserved: 16, released: 0, final: 0, wentNegative: false },
    breaker: observed(),
    alarmPeriodSeconds: 10,
    services: [
      { name: 'payment', maxDepth: 5, drainedAt: 15_000, depthSeries: [{ t: 0, depth: 5 }, { t: 15_000, depth: 0 }] },
      { name: 'inventory', maxDepth: 5, drainedAt: 2_000, depthSeries: [{ t: 0, depth: 5 }, { t: 15_000, depth: 0 }] },
      { name: 'notification', maxDepth: 5, drainedAt: 2_000, depthSeries: [{ t: 0, depth: 5 }, { t: 15_000, depth: 0 }] },
    ],
    alarms: [{ name: 'PaymentDeadLetterAlarm', service: 'payment', metric: 'ApproximateNumberOfMessagesVisible', state: 'ALARM', since: 10_000, transitions: [{ at: 0, state: 'OK' }, { at: 10_000, state: 'ALARM' }] }],
    elapsedMs: 22_000,
    timeoutMs: 200_000,
    timedOut: false,
    ...overrides,
  };
}

describe('paymentOutageVerdict', () => {
  test('holds when every outage order is in the payment DLQ, the recovery orders confirmed, the breaker closed', () => {
    expect(paymentOutageVerdict(run())).toEqual({ ok: true, failures: [] });
  });

  test.each([
    ['an order that got through', { deadLetteredByQueue: { payment: 4, inventory: 0, notification: 0 } }, /the payment DLQ holds 4 of this run's orders, expected all 5/],
    ['an inventory dead letter', { deadLetteredByQueue: { payment: 5, inventory: 1, notification: 0 } }, /the inventory DLQ holds 1 order\(s\): only payment was down/],
    ['a recovery order not confirmed', { confirmed: 2, pending: 6 }, /2 confirmed, 0 rejected, 6 waiting for payment; expected 3, 0 and 5/],
    ['a charge for a waiting order', { charges: 4 }, /4 standing charge\(s\) for 3 confirmed order\(s\)/],
    ['a missing e-mail', { notified: 7 }, /7 e-mail\(s\) for 8 orders/],
    ['stock that does not add up', { stock: { initial: 16, reserved: 16, released: 0, final: 1, wentNegative: false } }, /stock does not add up/],
    ['the deadline', { timedOut: true }, /the deadline of 200 s passed/],
  ])('fails on %s', (_name, overrides, message) => {
    const verdict = paymentOutageVerdict(run(overrides as Partial<PaymentOutageObservations>));
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });
});

describe('renderPaymentOutage', () => {
  test('shows the depth charts, the transitions with the calls counted against them, the alarms and the outcome', () => {
    const text = renderPaymentOutage(run(), PLAIN);
    expect(text).toContain('The payment provider was down from 0 s to 19.0 s; 5 orders placed during the outage, 3 after it.');
    expect(text).toContain('payment queue depth (max 5):');
    expect(text).toMatch(/│ 1 │ 3\.0 s +│ CLOSED -> OPEN/);
    expect(text).toMatch(/│ 5 │ 20\.1 s +│ HALF_OPEN -> CLOSED/);
    expect(text).toContain('Provider calls: 19 (16 outage, 3 CHARGED); while open: 0; half-open probes: 2.');
    expect(text).toContain('It opened after 5 failed deliveries (threshold 5), stayed open 2.0 s per spell, and ended CLOSED.');
    expect(text).toContain('PaymentDeadLetterAlarm');
    expect(text).toContain('npx labs orders redrive --queue payment');
  });

  test('says when the breaker never opened', () => {
    expect(renderBreaker(observed([], []), PLAIN)).toContain('The breaker never opened.');
  });
});
