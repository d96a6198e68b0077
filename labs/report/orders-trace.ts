import type { TraceObservations } from '../scenarios/orders/trace';
import { shortId } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** `+1.234 s` after the accept (negative before it: a line of a clock a little behind). */
function offset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

/** `labs orders trace`: the order's timeline from the logs, and what it shows. */
export function renderTrace(o: TraceObservations, colors: Colors): string {
  const lines = [
    `Order ${o.orderId}${o.placedByLab ? ' (placed by this run)' : ''}: ${o.status} in the orders table, placed ${o.placedAt}${o.correlationId ? `, correlation id ${o.correlationId}` : ''}.`,
  ];
  if (o.steps.length === 0) return [...lines, colors.red('No log line names this order.')].join('\n');
  lines.push(
    renderTable(
      ['after accept', 'service / function', 'environment (log stream)', 'step', 'detail'],
      o.steps.map((s) => [offset(s.at), s.function, s.logStream === '' ? '' : shortId(s.logStream, 8), s.step, s.detail]),
    ),
  );
  lines.push(
    `${o.steps.length} steps from ${o.functions.length} services (${o.functions.join(', ')}) in ${o.environments} execution environment(s); ${o.logReads} log read(s).`,
  );
  lines.push(
    'What to notice: one order id (and the correlation id of the API request) on the lines of four functions. The publish and the three queue copies come before the accept: the API answers 201 only once OrderPlaced is on the topic, and SNS puts a copy in each queue within milliseconds (fan-out). Payment and inventory work side by side in their own pools, and whichever answers second ends the order (settled: "this worker ended it"); notification waits for neither.',
  );
  return lines.join('\n');
}
