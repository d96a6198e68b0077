import { plot } from 'asciichart';
import type { ServiceDepths } from '../scenarios/orders/depths';
import type { BreakerObservations } from '../scenarios/orders/breaker';
import type { AlarmObservation, OutageObservations } from '../scenarios/orders/outage';
import type { PaymentOutageObservations } from '../scenarios/orders/payment-outage';
import { seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** Columns a depth chart spans at most: longer series are reduced to the maximum of each column. */
export const CHART_COLUMNS = 60;

/** `values` reduced to at most `columns` points, each the maximum of its slice (a backlog's peak stays visible). */
export function downsampleMax(values: readonly number[], columns: number): number[] {
  if (values.length <= columns) return [...values];
  return Array.from({ length: columns }, (_, i) => {
    const from = Math.floor((i * values.length) / columns);
    const to = Math.floor(((i + 1) * values.length) / columns);
    return Math.max(...values.slice(from, Math.max(to, from + 1)));
  });
}

/** One line chart per service's queue depth (visible + in flight) over the run, on one scale. */
export function renderDepthCharts(services: readonly ServiceDepths[], elapsedMs: number): string {
  const top = Math.max(1, ...services.map((s) => s.maxDepth));
  const charts = services.map((s) => {
    const values = downsampleMax(s.depthSeries.map((p) => p.depth), CHART_COLUMNS);
    const chart = values.length === 0 ? '  (no samples)' : plot(values, { height: 5, min: 0, max: top, format: (x) => String(Math.round(x)).padStart(4) });
    return `${s.name} queue depth (max ${s.maxDepth}):\n${chart}`;
  });
  return [...charts, `      0 s ${'-'.repeat(Math.max(0, CHART_COLUMNS - 14))} ${seconds(elapsedMs)}`].join('\n');
}

function describeTransitions(alarm: AlarmObservation): string {
  return alarm.transitions.map((t) => `${t.state} at ${seconds(t.at)}`).join(' -> ');
}

export function renderAlarms(alarms: readonly AlarmObservation[], colors: Colors): string {
  return renderTable(
    ['alarm', 'metric', 'state', 'since', 'changes'],
    alarms.map((a) => [a.name, a.metric, a.state === 'ALARM' ? colors.red(a.state) : a.state, seconds(a.since), describeTransitions(a)]),
  );
}

/** `labs orders outage inventory|payment`: the depth charts, the alarms, the outcome. */
export function renderOutage(o: OutageObservations, colors: Colors): string {
  return [
    `${o.outage.service} was down from 0 s to ${seconds(o.outage.until)} (queue alarms evaluated over ${o.alarmPeriodSeconds} s periods, as the template defines them).`,
    renderDepthCharts(o.services, o.elapsedMs),
    renderAlarms(o.alarms, colors),
    renderTable(
      ['orders', 'confirmed', 'rejected', 'not terminal', 'dead-lettered', 'charges', 'stock initial', 'reserved', 'released', 'final'],
      [[o.orders, `${o.confirmed} (expected ${o.expected.confirmed})`, `${o.rejected} (expected ${o.expected.rejected})`, o.pending, o.deadLettered, o.charges, o.stock.initial, o.stock.reserved, o.stock.released, o.stock.final]],
    ),
  ].join('\n');
}

/** The breaker's transitions and the provider calls counted against them. */
export function renderBreaker(b: BreakerObservations, colors: Colors): string {
  const calls = Object.entries(b.callsByOutcome).map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'none';
  const whileOpen = b.providerCallsWhileOpen === 0 ? '0' : colors.red(String(b.providerCallsWhileOpen));
  return [
    renderTable(['#', 'at', 'breaker'], b.transitions.map((t, i) => [i + 1, seconds(t.at), `${t.from} -> ${t.to}`])),
    `Provider calls: ${b.providerCalls} (${calls}); while open: ${whileOpen}; half-open probes: ${b.probes}.`,
    b.failuresBeforeOpen === undefined
      ? 'The breaker never opened.'
      : `It opened after ${b.failuresBeforeOpen} failed deliveries (threshold ${b.failureThreshold}), stayed open ${seconds(b.coolDownMs)} per spell, and ended ${b.final}.`,
  ].join('\n');
}

/** `labs orders outage payment`: the depth charts, the breaker, the alarms, the outcome. */
export function renderPaymentOutage(o: PaymentOutageObservations, colors: Colors): string {
  const e = o.expected;
  return [
    `The payment provider was down from 0 s to ${seconds(o.outage.until)}; ${o.ordersDuringOutage} orders placed during the outage, ${o.ordersAfterRecovery} after it.`,
    renderDepthCharts(o.services, o.elapsedMs),
    renderBreaker(o.breaker, colors),
    renderAlarms(o.alarms, colors),
    renderTable(
      ['orders', 'confirmed', 'rejected', 'waiting for payment', 'in the payment DLQ', 'charges', 'e-mails', 'stock initial', 'reserved', 'released', 'final'],
      [[o.orders, `${o.confirmed} (expected ${e.confirmed})`, `${o.rejected} (expected ${e.rejected})`, `${o.pending} (expected ${e.pending})`, `${o.deadLetteredByQueue.payment} (expected ${e.deadLettered})`, o.charges, o.notified, o.stock.initial, o.stock.reserved, o.stock.released, o.stock.final]],
    ),
    o.deadLetteredByQueue.payment > 0 ? `The dead-lettered orders wait in the payment DLQ: \`npx labs orders redrive --queue payment\` sends them back (on the local cloud, within one \`npx labs up orders\`).` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
