import * as asciichart from 'asciichart';
import type { BackpressureObservations, StrategyObservation } from '../scenarios/delivery-backpressure';
import type { DedupObservations } from '../scenarios/delivery-dedup';
import type { GuaranteesObservations } from '../scenarios/delivery-guarantees';
import type { OrderingObservations } from '../scenarios/delivery-ordering';
import { seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';
import { renderTimeSeries } from './time-series';

const LESSONS: Readonly<Record<string, string>> = {
  'at-most-once': 'acknowledged before the effect: a crash in between lost the message',
  'at-least-once': 'effect before the acknowledgement: a crash in between redelivered it and the effect happened twice',
  'effectively-once': 'a conditional write keyed by the message id: the redelivery changed nothing',
};

export function renderGuarantees(o: GuaranteesObservations, colors: Colors): string {
  return [
    renderTable(
      ['mode', 'sent', 'crashes', 'effect never', 'once', 'more than once', 'why'],
      o.modes.map((m) => [m.mode, m.sent, m.crashes, m.never, m.once, m.moreThanOnce, LESSONS[m.mode] ?? '']),
    ),
    o.timedOut
      ? colors.red(`The ack queue had not drained after ${seconds(o.elapsedMs)}.`)
      : `Every message was acknowledged within ${seconds(o.elapsedMs)} (crashed deliveries came back after the ${o.visibilityTimeoutSeconds} s visibility timeout).`,
  ].join('\n');
}

export function renderDedup(o: DedupObservations, colors: Colors): string {
  return [
    renderTable(
      ['queue', 'sent (with the retry)', 'delivered', 'deduplicated'],
      [
        ['standard', o.standard.sent, o.standard.received, o.standard.deduplicated],
        ['FIFO', o.fifo.sent, o.fifo.received, o.fifo.deduplicated],
      ],
    ),
    o.timedOut
      ? colors.red(`The queues had not drained after ${seconds(o.elapsedMs)}.`)
      : 'The FIFO queue accepted each retry and dropped it: same deduplication id within 5 minutes. The standard queue has no deduplication: both copies were processed.',
  ].join('\n');
}

export function renderOrdering(o: OrderingObservations, colors: Colors): string {
  return [
    renderTable(
      ['queue', 'groups', 'sent', 'processed', 'dead-lettered', 'order violations', 'groups in flight (max)', 'blocked groups'],
      o.queues.map((q) => [q.kind === 'fifo' ? 'FIFO' : 'standard', q.groups, q.messages, q.delivered, q.deadLettered, q.orderViolations, q.maxGroupsInFlight, q.blocked.join(', ') || '-']),
    ),
    `Message ${o.poison.seq} of ${o.poison.group} was poisoned: received ${o.maxReceiveCount} times, ${o.visibilityTimeoutSeconds} s apart, then dead-lettered.`,
    `Standard: each group's first message was handed out ${o.delayedFirstSeconds} s late and the rest overtook it; nothing waited for the poison.`,
    `FIFO: every group in its order, several groups at once; only ${o.poison.group} stood still until its poison was dead-lettered, then went on after it.`,
    o.timedOut ? colors.red(`The run had not finished after ${seconds(o.elapsedMs)}.`) : `Done in ${seconds(o.elapsedMs)}.`,
  ].join('\n');
}

const STRATEGY_LESSONS: Readonly<Record<string, string>> = {
  push: 'one invocation per message: the downstream refused what it could not take, retries ran out, dead letters',
  buffer: 'the queue absorbed the burst, K consumers drained it at the downstream\'s pace',
  'back-pressure': 'the producer waited at the mark: nothing lost, the wait moved to the producer',
  drop: 'the producer shed what exceeded the bound: no wait, the dropped are gone',
};

function strategyChart(s: StrategyObservation, colors: Colors): string {
  const span = s.series.at(-1)?.t ?? 0;
  return [
    `${s.name}: ${STRATEGY_LESSONS[s.name] ?? ''}`,
    renderTimeSeries(
      [
        { label: 'queue depth', values: s.series.map((p) => p.depth), color: asciichart.blue },
        { label: 'in flight', values: s.series.map((p) => p.inFlight), color: asciichart.yellow },
        { label: 'downstream busy', values: s.series.map((p) => p.downstreamBusy), color: asciichart.red },
      ],
      colors,
      { xAxis: `0 .. ${seconds(span)}` },
    ),
  ].join('\n');
}

export function renderBackpressure(o: BackpressureObservations, colors: Colors): string {
  return [
    renderTable(
      ['strategy', 'sent', 'processed', 'dead-lettered', 'dropped', 'refused', 'max depth', 'producer wait', 'latency p50', 'p99', 'drained in'],
      o.strategies.map((s) => [
        s.name,
        s.sent,
        s.processed,
        s.processedAndDeadLettered > 0 ? `${s.deadLettered} (${s.processedAndDeadLettered} also processed)` : s.deadLettered,
        s.dropped,
        s.refused,
        s.maxDepth,
        seconds(s.producerWaitMs),
        seconds(s.latencyMs.p50),
        seconds(s.latencyMs.p99),
        s.timedOut ? colors.red('timed out') : seconds(s.drainMs),
      ]),
    ),
    `A downstream of ${o.capacity} permits, ${o.workMs} ms a call; the back-pressure mark and the drop bound: ${o.highWaterMark} messages in the queue.`,
    ...(o.strategies.some((s) => s.processedAndDeadLettered > 0)
      ? ['Also processed: calls that completed, then had their invocation cut short by its timeout; Lambda retried the event, the retries found the downstream full, and it was dead-lettered too (at-least-once: the work ran, the delivery failed).']
      : []),
    ...o.strategies.map((s) => strategyChart(s, colors)),
  ].join('\n\n');
}
