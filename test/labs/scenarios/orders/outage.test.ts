import { renderDepthCharts, downsampleMax, renderOutage } from '../../../../labs/report/orders-outage';
import { PLAIN } from '../../../../labs/report/style';
import type { AlarmDefinition } from '../../../../labs/scenarios/alarm-evaluation';
import { oldestAgeSeconds, pendingByService, serviceDepthsOf, serviceQueuesOf, type DepthSample } from '../../../../labs/scenarios/orders/depths';
import { ordersObservationsOf } from '../../../../labs/scenarios/orders/main';
import { alarmCameBack, alarmObservationsOf, inventoryOutageVerdict, type OutageObservations } from '../../../../labs/scenarios/orders/outage';
import { planOrders, plannedOrderIds } from '../../../../labs/scenarios/orders/plan';
import type { OrderRecord } from '../../../../labs/scenarios/orders/tables';
import type { Compensation } from '../../../../lambda/orders/saga';

const QUEUES = {
  payment: { work: { id: 'PQ', url: 'u-pq' }, deadLetter: { id: 'PD', url: 'u-pd' } },
  inventory: { work: { id: 'IQ', url: 'u-iq' }, deadLetter: { id: 'ID', url: 'u-id' } },
  notification: { work: { id: 'NQ', url: 'u-nq' }, deadLetter: { id: 'ND', url: 'u-nd' } },
};

const ageAlarm = (name: string, queueId: string): AlarmDefinition => ({
  name,
  metric: 'ApproximateAgeOfOldestMessage',
  queueId,
  statistic: 'Maximum',
  periodSeconds: 10,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 10,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
});
const DEFINITIONS = [ageAlarm('PaymentAge', 'PQ'), ageAlarm('InventoryAge', 'IQ'), ageAlarm('NotificationAge', 'NQ')];

/** One sample a second: inventory holds its 10 orders for `heldSeconds`, the others drain in 2 s. */
function inventoryOutageSamples(heldSeconds: number, totalSeconds: number): DepthSample[] {
  return Array.from({ length: totalSeconds + 1 }, (_, s) => {
    const held = s < heldSeconds;
    const quick = s === 0 ? 4 : s === 1 ? 2 : 0;
    return {
      t: s * 1000,
      depth: { payment: quick, inventory: held ? 10 : 0, notification: quick },
      ageSeconds: { payment: quick > 0 ? s : 0, inventory: held ? s : 0, notification: quick > 0 ? s : 0 },
      deadLetterVisible: { payment: 0, inventory: 0, notification: 0 },
    };
  });
}

/** A run of 10 orders that ended as planned (9 confirmed, the 10th declined, its stock released). */
function outageRun(samples: readonly DepthSample[], untilMs: number): OutageObservations {
  const plan = planOrders('ab12cd34', 10);
  const ids = plannedOrderIds(plan);
  const [book, lamp] = Object.keys(plan.stock) as [string, string];
  const orders: OrderRecord[] = plan.orders.map((o, i) => {
    const base = { orderId: ids[i]!, placedAt: 0, finishedAt: 30_000, items: o.request.items, compensated: [] as Compensation[] };
    if (plan.declined.includes(o.key)) return { ...base, status: 'REJECTED', payment: 'DECLINED', inventory: 'RESERVED', reason: 'payment declined', compensated: ['RELEASE_STOCK'] };
    return { ...base, status: 'CONFIRMED', payment: 'CHARGED', inventory: 'RESERVED' };
  });
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId);
  const observations = ordersObservationsOf({
    runId: 'ab12cd34',
    plan,
    options: { orders: 10, paymentFailureRate: 0 },
    placed: plan.orders.map((o, i) => ({ key: o.key, status: 201, orderId: ids[i]!, correlationId: `corr-${o.key}`, requests: 1, retried: [], acceptedAt: 0 })),
    orders,
    charges: orders.map((o) => ({ orderId: o.orderId, status: o.payment === 'DECLINED' ? 'DECLINED' : 'CHARGED', amountCents: 1, calls: 1 })),
    stock: [
      { sku: book, stock: 1, holders: confirmed },
      { sku: lamp, stock: 0, holders: confirmed },
    ],
    notified: 10,
    deadLettered: 0,
    poolSize: 3,
    elapsedMs: samples[samples.length - 1]!.t,
    timeoutMs: 120_000,
    timedOut: false,
  });
  return {
    ...observations,
    outage: { service: 'inventory', seconds: untilMs / 1000, from: 0, placedAt: 0, until: untilMs },
    startedAt: new Date(0).toISOString(),
    alarmPeriodSeconds: 10,
    services: serviceDepthsOf(samples),
    alarms: alarmObservationsOf(DEFINITIONS, QUEUES, samples, 0),
  };
}

describe('the queues behind the outputs', () => {
  test('reads each queue\'s logical id from the output that Refs it', () => {
    const template = {
      Outputs: Object.fromEntries(
        ['Payment', 'Inventory', 'Notification'].flatMap((n) => [
          [`${n}QueueUrl`, { Value: { Ref: `${n}Q1` } }],
          [`${n}DeadLetterQueueUrl`, { Value: { Ref: `${n}D1` } }],
        ]),
      ),
    };
    const urls = Object.fromEntries(Object.keys(template.Outputs).map((k) => [k, `url-${k}`]));
    expect(serviceQueuesOf(template, urls).inventory).toEqual({
      work: { id: 'InventoryQ1', url: 'url-InventoryQueueUrl' },
      deadLetter: { id: 'InventoryD1', url: 'url-InventoryDeadLetterQueueUrl' },
    });
  });

  test('fails if an output is not a Ref, naming it', () => {
    expect(() => serviceQueuesOf({ Outputs: { PaymentQueueUrl: { Value: 'x' } } }, {})).toThrow(/output PaymentQueueUrl is not a Ref/);
  });
});

describe('the age of a service\'s oldest message', () => {
  const order = (id: string, payment?: string, inventory?: string): OrderRecord =>
    ({ orderId: id, status: 'PLACED', placedAt: 0, compensated: [], items: [], ...(payment ? { payment } : {}), ...(inventory ? { inventory } : {}) }) as OrderRecord;

  test('is pending per service until that service recorded its side (or e-mailed)', () => {
    const orders = new Map([['a', order('a', 'CHARGED')], ['b', order('b', undefined, 'RESERVED')]]);
    expect(pendingByService(['a', 'b', 'c'], orders, new Set(['a']), new Set(['c']))).toEqual({ payment: ['b'], inventory: ['a'], notification: ['b'] });
  });

  test('is the oldest pending order\'s time since acceptance, in whole seconds, 0 when none is pending', () => {
    const acceptedAt = new Map([['a', 1000], ['b', 4000]]);
    expect(oldestAgeSeconds(13_999, acceptedAt, ['a', 'b'])).toBe(12);
    expect(oldestAgeSeconds(13_999, acceptedAt, ['b'])).toBe(9);
    expect(oldestAgeSeconds(13_999, acceptedAt, [])).toBe(0);
  });
});

describe('depth series', () => {
  test('gives each service its series, deepest backlog and when its queue stayed empty', () => {
    const services = serviceDepthsOf(inventoryOutageSamples(20, 30));
    expect(services.map((s) => [s.name, s.maxDepth, s.drainedAt, s.depthSeries.length])).toEqual([
      ['payment', 4, 2000, 31],
      ['inventory', 10, 20_000, 31],
      ['notification', 4, 2000, 31],
    ]);
  });

  test('has no drained time for a queue still busy at the last sample', () => {
    expect(serviceDepthsOf(inventoryOutageSamples(40, 30))[1]!.drainedAt).toBeUndefined();
  });

  test.each<[number[], number, number[]]>([
    [[1, 2, 3], 5, [1, 2, 3]],
    [[1, 9, 2, 3, 4, 0], 3, [9, 3, 4]],
  ])('downsamples %p to %p columns by the maximum of each', (values, columns, expected) => {
    expect(downsampleMax(values, columns)).toEqual(expected);
  });
});

describe('inventoryOutageVerdict', () => {
  // Inventory holds its orders for 20 s (the outage ends at 15 s, its messages come back at 20 s).
  const held = outageRun(inventoryOutageSamples(20, 35), 15_000);

  test('holds when inventory alone backs up, its age alarm fires during the outage and clears after it', () => {
    expect(inventoryOutageVerdict(held)).toEqual({ ok: true, failures: [] });
    const age = held.alarms.find((a) => a.name === 'InventoryAge')!;
    expect(age.transitions).toEqual([
      { at: 0, state: 'OK' },
      { at: 10_000, state: 'ALARM' },
      { at: 20_000, state: 'OK' },
    ]);
    expect(alarmCameBack(age)).toBe(true);
  });

  test('fails if the age alarm never fired (an outage shorter than the alarm period)', () => {
    const short = outageRun(inventoryOutageSamples(8, 20), 5000);
    expect(inventoryOutageVerdict(short).failures).toEqual(['the inventory age alarm never went to ALARM']);
  });

  test('fails if the backlog is still there at the end, naming the alarm state', () => {
    const stuck = outageRun(inventoryOutageSamples(40, 30), 15_000);
    expect(inventoryOutageVerdict(stuck).failures).toEqual([
      'the inventory queue drained at never, expected after the outage ended at 15000 ms',
      'the inventory age alarm ended in ALARM, expected OK after the backlog drained',
    ]);
  });

  test('fails if inventory let orders through while it was down, or payment had not drained', () => {
    const samples = inventoryOutageSamples(20, 35).map((s) => (s.t === 2000 ? { ...s, depth: { ...s.depth, inventory: 7 } } : s));
    expect(inventoryOutageVerdict(outageRun(samples, 15_000)).failures).toEqual(['when payment and notification had drained, the inventory queue held 7 orders, expected all 10']);
    expect(inventoryOutageVerdict(outageRun(inventoryOutageSamples(20, 35), 1500)).failures).toEqual([
      'the payment queue did not drain while inventory was down (drained at 2000 ms, outage until 1500 ms)',
      'the notification queue did not drain while inventory was down (drained at 2000 ms, outage until 1500 ms)',
      'the inventory age alarm went to ALARM at 10000 ms, after the outage ended at 1500 ms',
    ]);
  });

  test('renders a depth chart per service, the alarms and the outcome', () => {
    const text = renderOutage(held, PLAIN);
    expect(text).toContain('inventory queue depth (max 10):');
    expect(text).toContain('payment queue depth (max 4):');
    expect(text).toContain('OK at 0.0 s -> ALARM at 10.0 s -> OK at 20.0 s');
    expect(text).toContain('inventory was down from 0 s to 15.0 s');
    expect(renderDepthCharts(held.services, 35_000).split('\n')).toHaveLength(3 * 7 + 1);
  });
});
