import type { CdcOutput } from '../../lib/stacks/cdc-stack';
import { FREE_IDLE_TARGET_PER_HOUR, invocationItems, MILLION, tableWriteItems, type PathModel } from '../cost/path';
import { renderCdc, renderDualWrite, renderOutage, renderRebuild } from '../report/cdc';
import { cdcVerdict, runCdc } from '../scenarios/cdc';
import { dualWriteVerdict, runDualWrite } from '../scenarios/cdc-dual-write';
import { outageVerdict, runOutage } from '../scenarios/cdc-outage';
import { rebuildVerdict, runRebuild } from '../scenarios/cdc-rebuild';
import { numberOption, UsageError, type ModuleLab, type Scenario } from '../scenarios/scenario';

const main: Scenario<CdcOutput> = {
  summary: 'writes, updates and deletes on a table; its stream keeps a search index and a category summary right (DDIA, change data capture)',
  // Each change is one source write and, per projector, one read and one transaction: 1,000 changes
  // converge within the lab's 60 s wait on the local cloud.
  options: [
    { flags: '--items <n>', description: 'products to insert', kind: 'count', min: 1, max: 500, defaultValue: 20 },
    { flags: '--updates <n>', description: 'updates of inserted products', kind: 'count', min: 0, max: 400, defaultValue: 10 },
    { flags: '--deletes <n>', description: 'deletes of inserted products (at most --items)', kind: 'count', min: 0, max: 500, defaultValue: 5 },
  ],
  prepare: (o) => {
    const options = { items: numberOption(o, 'items'), updates: numberOption(o, 'updates'), deletes: numberOption(o, 'deletes') };
    if (options.deletes > options.items) {
      throw new UsageError(`--deletes (${options.deletes}) cannot exceed --items (${options.items}): only inserted products can be deleted`);
    }
    return {
      run: async (session, ui) => {
        const observations = await runCdc(session, options, ui);
        return { verdict: cdcVerdict(observations), observations: { ...observations }, render: (c) => renderCdc(observations, c) };
      },
    };
  },
};

const dualWrite: Scenario<CdcOutput> = {
  command: 'dual-write',
  summary: 'two writers race, each writing the source and the view itself: the view ends wrong; the same race through the stream converges',
  // Each product is raced by its own pair of writers at once; 6 writes per product.
  options: [{ flags: '--items <n>', description: 'products raced by the two writers', kind: 'count', min: 1, max: 100, defaultValue: 3 }],
  prepare: (o) => {
    const options = { items: numberOption(o, 'items') };
    return {
      run: async (session, ui) => {
        const observations = await runDualWrite(session, options, ui);
        return { verdict: dualWriteVerdict(observations), observations: { ...observations }, render: (c) => renderDualWrite(observations, c) };
      },
    };
  },
};

const rebuild: Scenario<CdcOutput> = {
  command: 'rebuild',
  summary: 'empties a copy of the category summary and rebuilds it from a snapshot of the source plus the stream, while writes go on',
  // The snapshot scans the whole source table; its changes after the snapshot are read one GetRecords per shard at a time.
  options: [
    { flags: '--items <n>', description: 'products inserted before the rebuild', kind: 'count', min: 1, max: 200, defaultValue: 10 },
    { flags: '--writes <n>', description: 'updates written while the rebuild runs', kind: 'count', min: 0, max: 200, defaultValue: 10 },
  ],
  prepare: (o) => {
    const options = { items: numberOption(o, 'items'), writes: numberOption(o, 'writes') };
    return {
      run: async (session, ui) => {
        const observations = await runRebuild(session, options, ui);
        return { verdict: rebuildVerdict(observations), observations: { ...observations }, render: (c) => renderRebuild(observations, c) };
      },
    };
  },
};

const outage: Scenario<CdcOutput> = {
  command: 'outage',
  summary: "the search index's downstream refuses a while: its shard retries, the category summary keeps up; then a poison change is bisected to the failure queue",
  options: [
    { flags: '--items <n>', description: 'products inserted (half of them updated) during the outage', kind: 'count', min: 1, max: 200, defaultValue: 10 },
    // At most the mappings' retry attempts (the ProjectorRetryAttempts output, 3 by default), checked at run time.
    { flags: '--refusals <n>', description: 'invocations the search index downstream refuses', kind: 'count', min: 1, max: 10, defaultValue: 3 },
  ],
  prepare: (o) => {
    const options = { items: numberOption(o, 'items'), refusals: numberOption(o, 'refusals') };
    return {
      run: async (session, ui) => {
        const observations = await runOutage(session, options, ui);
        return { verdict: outageVerdict(observations), observations: { ...observations }, render: (c) => renderOutage(observations, c) };
      },
    };
  },
};

/**
 * cdc: per change, one source write (the stream and Lambda's reads of it are free); each of the two
 * projectors is invoked once per batch and, per change, reads the contribution record and writes a
 * transaction of it and its view items (2 WRU per item; assumed 3 items on average).
 */
const PROJECTOR_WRITES_PER_CHANGE: Readonly<Record<string, number>> = { VIEW_TABLE_NAME: 2 * 3 };

const path: PathModel = {
  message: 'change of the source table',
  description: 'one source write; per projector one invocation per batch, a contribution read and a transactional view write per change',
  estimate: (view, a) => {
    const mappings = view.eventSourceMappings();
    if (mappings.length !== 2) throw new Error(`the cdc model needs the two projector mappings, but ${mappings.length} were found`);
    return {
      items: mappings.flatMap((mapping) => {
        const projector = view.function(mapping.functionId);
        return [...invocationItems(projector, MILLION / mapping.batchSize, a.workerPoolTaskMs, a), ...tableWriteItems(projector, view, MILLION, PROJECTOR_WRITES_PER_CHANGE, 'change')];
      }),
      assumptions: [
        'source writes are the application’s own, not counted',
        'every change is applied on its first invocation; 3 view items written per change on average',
        `${a.workerPoolTaskMs} ms per batch, ${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/**
 * The cdc module's lab (registered in lib/modules.ts). Its target is what it idles at, $0/h: on-demand
 * tables, a stream whose Lambda reads are not billed, no queue pollers.
 */
export const cdcLab: ModuleLab<CdcOutput> = { main, subcommands: [dualWrite, rebuild, outage], cost: { path, idleTargetPerHour: FREE_IDLE_TARGET_PER_HOUR } };
