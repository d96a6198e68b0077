import type { CdcObservations } from '../scenarios/cdc';
import { mark, seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderCdc(o: CdcObservations, colors: Colors): string {
  const converged = o.divergentKeys === 0 && o.projectors.every((p) => p.changesApplied === p.changesWritten);
  return [
    renderTable(
      ['projector', 'changes applied', 'written', 'divergent keys', 'order violations', 'lag p50', 'lag p99', 'applied/s', ''],
      o.projectors.map((p) => [
        p.name,
        p.changesApplied,
        p.changesWritten,
        p.divergentKeys,
        p.orderViolations,
        `${p.lagMs.p50} ms`,
        `${p.lagMs.p99} ms`,
        p.appliedPerSecond,
        mark(colors, p.divergentKeys === 0 && p.changesApplied === p.changesWritten),
      ]),
    ),
    `${o.items} inserts, ${o.updates} updates, ${o.deletes} deletes (${o.changes} changes) on the source table, run ${o.runId}.`,
    converged
      ? `Both views equal the ones recomputed from the source table after ${seconds(o.convergedMs)}: every change applied once, in each item's order, from the table's stream.`
      : colors.red(`The views had not converged after ${seconds(o.convergedMs)}: see the divergent keys and applied counts above.`),
    'A DynamoDB stream serves at most two concurrent readers per shard: two projectors is the design point (more: Kinesis Data Streams for DynamoDB, or one projector fanning out).',
  ].join('\n');
}
