import type { CdcObservations } from '../scenarios/cdc';
import type { DualWriteObservations } from '../scenarios/cdc-dual-write';
import type { OutageObservations } from '../scenarios/cdc-outage';
import type { RebuildObservations } from '../scenarios/cdc-rebuild';
import { renderLineChart } from './line-chart';
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

export function renderDualWrite(o: DualWriteObservations, colors: Colors): string {
  return [
    `Two writers race on each of ${o.items} products (run ${o.runId}): ${o.race.join(' -> ')}.`,
    renderTable(
      ['view', 'dual-written: divergent keys', 'predicted', 'through the stream: divergent keys', 'changes applied', ''],
      o.dualWrite.projectors.map((p) => {
        const cdc = o.cdc.projectors.find((c) => c.name === p.name);
        return [
          p.name,
          p.divergentKeys,
          p.predictedDivergentKeys,
          cdc?.divergentKeys ?? '-',
          cdc === undefined ? '-' : `${cdc.changesApplied} of ${cdc.changesWritten}`,
          mark(colors, p.divergentKeys === p.predictedDivergentKeys && cdc?.divergentKeys === 0),
        ];
      }),
    ),
    `The dual-written views (keys under dual-write#) end different from the source in ${o.dualWrite.divergentKeys} keys, as the race predicts: ` +
      'B wrote the source last, but A wrote the view last, over a product that was no longer there.',
    o.cdc.divergentKeys === 0 && !o.cdc.timedOut
      ? `Through the stream the same race converges after ${seconds(o.cdc.convergedMs)}: the views apply the source's changes in the source's order.`
      : colors.red(`Through the stream the views had not converged after ${seconds(o.cdc.convergedMs)}.`),
  ].join('\n');
}

export function renderRebuild(o: RebuildObservations, colors: Colors): string {
  return [
    `A DynamoDB stream keeps ${o.streamRetentionHours} h of changes: a table older than that cannot be rebuilt from its stream alone, so the rebuild takes a snapshot plus the stream.`,
    renderTable(
      ['view', 'emptied items', 'snapshot products', 'stream changes after it', 'writes during the rebuild', 'divergent keys', ''],
      [[`${o.view} (rebuild#)`, o.emptiedItems, o.snapshotProducts, o.streamChanges, o.writesDuringRebuild, o.divergentKeys, mark(colors, o.divergentKeys === 0 && !o.timedOut)]],
    ),
    o.divergentKeys === 0 && !o.timedOut
      ? `The rebuilt view equals the one recomputed from the source after ${seconds(o.rebuildMs)} (run ${o.runId}): the stream position was taken before the scan, so no change fell between them.`
      : colors.red(`The rebuilt view still differs from the source in ${o.divergentKeys} keys after ${seconds(o.rebuildMs)}.`),
    ...(o.refusedProducts > 0 ? [`${o.refusedProducts} source product(s) are refused by the projector (poison changes): in neither view.`] : []),
  ].join('\n');
}

export function renderOutage(o: OutageObservations, colors: Colors): string {
  const names = o.projectors.map((p) => p.name);
  return [
    `The ${o.failingProjector} downstream refused ${o.retriesObserved} invocation(s) (${o.refusals} asked for); changes behind the source over time (run ${o.runId}):`,
    renderLineChart(names.map((name) => ({ label: `${name} (changes behind)`, values: o.series.map((s) => s.behind[name] ?? 0) }))),
    renderTable(
      ['projector', 'changes applied', 'written', 'most behind', 'divergent keys', 'lag p50', 'lag p99', ''],
      o.projectors.map((p) => [p.name, p.changesApplied, p.changesWritten, p.maxBehind, p.divergentKeys, `${p.lagMs.p50} ms`, `${p.lagMs.p99} ms`, mark(colors, p.divergentKeys === 0)]),
    ),
    `Its shard retried the refused batch (the stream blocks on it) while the other projector kept up; after recovery it caught up.`,
    `Failure queue: ${o.failureRecords} record(s); ${o.poison.isolated ? `the poison change ${o.poison.itemId} alone, bisected out of its batch while the rest was applied` : colors.red('not the poison change alone')}` +
      ` (its ${o.poison.keysMissing} search-index keys are missing from the view, accounted for).`,
  ].join('\n');
}
