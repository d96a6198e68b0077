import { createUi, type Ui } from '../labs/report/ui';
import { localTarget } from '../labs/targets/local';
import type { Target } from '../labs/targets/target';
import { BACKPRESSURE_DRAIN_BURST, measureBackpressureDrain, SMOKE_BACKPRESSURE_DRAIN_BURST, type BackpressureDrainFigure, type BackpressureDrainOptions } from './backpressure-drain';
import { measureCloud, type CloudFigures } from './cloud';
import type { CdcOptions } from '../labs/scenarios/cdc';
import { CDC_LAG_CHANGES, measureCdcLag, SMOKE_CDC_LAG_CHANGES, type CdcLagFigure } from './cdc-lag';
import { measureColdStart, type ColdStartFigure } from './cold-start';
import { DEFAULT_MESSAGE_COUNTS, measureApiCalls, SMOKE_MESSAGE_COUNTS, type ApiCallFigure } from './api-calls';
import { breakdown, measureBundles, synthesizeBundles, type BundleBreakdown, type BundleFigure } from './bundles';
import { measureHandlers, type HandlerFigure } from './handlers';
import { measureLocalWorkerPool, type LocalWorkerPoolFigure, type LocalWorkerPoolOptions } from './local-worker-pool';
import { measureSynth, measureUnitSuite, type SynthFigure } from './synth';
import { measureOrdersThroughput, ORDERS_THROUGHPUT, SMOKE_ORDERS_THROUGHPUT, type OrdersThroughputFigure, type OrdersThroughputOptions } from './orders-throughput';

export const SECTIONS = ['apiCalls', 'handlers', 'bundles', 'coldStart', 'localWorkerPool', 'cdcLag', 'backpressureDrain', 'ordersThroughput', 'synth', 'up', 'gateway', 'attach'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly only: readonly Section[];
  /** Small counts and few runs, for CI: checks that every section works, not how fast. */
  readonly smoke: boolean;
  /** Timed runs per figure. @default 5 (smoke: 1) */
  readonly runs?: number;
}

/** The sizes of a full run and of a smoke run. */
export interface BenchPlan {
  readonly messageCounts: readonly number[];
  readonly handlerRecords: number;
  readonly runs: number;
  readonly synthRuns: number;
  readonly localWorkerPool: LocalWorkerPoolOptions;
  readonly cdcLag: CdcOptions;
  readonly backpressureDrain: BackpressureDrainOptions;
  /** Runs of the buffer strategy, each on a cloud of its own (about 20 s a run). */
  readonly drainRuns: number;
  readonly ordersThroughput: OrdersThroughputOptions;
  readonly unitSuite: boolean;
  /** SendMessage calls through the endpoint of `labs up`, and as many straight to the emulator. */
  readonly gatewayMessages: number;
  /** The modules of the `labs up` the cloud sections measure; none means every module. */
  readonly cloudModules: readonly string[];
}

export function planFor(options: BenchOptions): BenchPlan {
  const runs = options.runs ?? (options.smoke ? 1 : 5);
  return options.smoke
    ? {
        messageCounts: SMOKE_MESSAGE_COUNTS,
        handlerRecords: 1_000,
        runs,
        synthRuns: 1,
        localWorkerPool: { tasks: 30, workers: 3, taskMs: 100 },
        cdcLag: SMOKE_CDC_LAG_CHANGES,
        backpressureDrain: SMOKE_BACKPRESSURE_DRAIN_BURST,
        drainRuns: 1,
        ordersThroughput: SMOKE_ORDERS_THROUGHPUT,
        unitSuite: false,
        gatewayMessages: 100,
        cloudModules: ['fanout'],
      }
    : {
        messageCounts: DEFAULT_MESSAGE_COUNTS,
        handlerRecords: 10_000,
        runs,
        synthRuns: Math.min(runs, 3),
        localWorkerPool: { tasks: 300, workers: 3, taskMs: 100 },
        cdcLag: CDC_LAG_CHANGES,
        backpressureDrain: BACKPRESSURE_DRAIN_BURST,
        drainRuns: Math.min(runs, 3),
        ordersThroughput: ORDERS_THROUGHPUT,
        unitSuite: true,
        gatewayMessages: 1_000,
        cloudModules: [],
      };
}

export interface Skipped {
  readonly skipped: string;
}

export interface BenchResult {
  readonly smoke: boolean;
  readonly apiCalls?: ApiCallFigure[];
  readonly handlers?: HandlerFigure[];
  readonly bundles?: BundleFigure[];
  /** For every bundle over its target: the packages that make it big. */
  readonly bundleBreakdowns?: BundleBreakdown[];
  readonly coldStart?: ColdStartFigure;
  readonly localWorkerPool?: LocalWorkerPoolFigure | Skipped;
  readonly cdcLag?: CdcLagFigure | Skipped;
  readonly backpressureDrain?: BackpressureDrainFigure | Skipped;
  readonly ordersThroughput?: OrdersThroughputFigure | Skipped;
  readonly synth?: { readonly stacks: SynthFigure[] };
  /** Wall time of `npx jest --selectProjects unit`; null in a smoke run, which skips it. */
  readonly unitSuiteSeconds?: number | null;
  readonly unitSuitePassed?: boolean | null;
  /** The failing tests, when the unit suite did not pass. */
  readonly unitSuiteFailures?: readonly string[];
  /** `labs up` (start to ready), its endpoint against the emulator, and a lab attached to it. */
  readonly cloud?: CloudFigures;
}

export interface BenchIo {
  readonly ui: Ui;
  /** The local cloud (a rejection says why it cannot be used, and the section is reported as skipped). */
  loadLocalTarget(): Promise<Target>;
}

export function defaultIo(json: boolean): BenchIo {
  return {
    ui: createUi({ stderr: process.stderr, json }),
    loadLocalTarget: () => Promise.resolve(localTarget),
  };
}

/** Measures on the local cloud, or says why the section was skipped when it cannot be loaded. */
async function onLocalTarget<F>(io: BenchIo, measure: (target: Target) => Promise<F>): Promise<F | Skipped> {
  let target: Target;
  try {
    target = await io.loadLocalTarget();
  } catch (error) {
    return { skipped: `the local target could not be loaded: ${(error as Error).message}` };
  }
  return measure(target);
}

export async function runBench(options: BenchOptions, io: BenchIo): Promise<BenchResult> {
  const plan = planFor(options);
  const { ui } = io;
  const result: { -readonly [K in keyof BenchResult]: BenchResult[K] } = { smoke: options.smoke };
  const selected = (section: Section): boolean => options.only.includes(section);

  if (selected('apiCalls')) {
    ui.log('apiCalls: counting the calls of every bulk sender');
    result.apiCalls = await measureApiCalls(plan.messageCounts);
  }
  if (selected('handlers')) {
    ui.log(`handlers: ${plan.handlerRecords} records per run, ${plan.runs} runs per core`);
    result.handlers = await measureHandlers({ records: plan.handlerRecords, runs: plan.runs });
  }
  if (selected('bundles')) {
    ui.log('bundles: synthesizing the app with bundling');
    const app = synthesizeBundles();
    try {
      ui.log(`bundles: loading each of ${app.functions.length} bundles in ${plan.runs} fresh processes`);
      result.bundles = await measureBundles(app, plan.runs);
      const over = new Set(result.bundles.filter((b) => !b.meets).map((b) => b.function));
      result.bundleBreakdowns = app.functions.filter((f) => over.has(f.function)).map((f) => breakdown(f));
    } finally {
      app.close();
    }
  }
  if (selected('coldStart')) {
    ui.log(`coldStart: starting every emulator of the local cloud from nothing, ${plan.runs} times`);
    result.coldStart = await measureColdStart(plan.runs);
  }
  if (selected('localWorkerPool')) {
    const { tasks, workers, taskMs } = plan.localWorkerPool;
    ui.log(`localWorkerPool: ${tasks} tasks of ${taskMs} ms over ${workers} workers on the local cloud`);
    result.localWorkerPool = await onLocalTarget(io, (target) => measureLocalWorkerPool(target, plan.localWorkerPool, ui));
  }
  if (selected('cdcLag')) {
    const { items, updates, deletes } = plan.cdcLag;
    ui.log(`cdcLag: ${items + updates + deletes} source writes on the local cloud, lag to both views`);
    result.cdcLag = await onLocalTarget(io, (target) => measureCdcLag(target, plan.cdcLag, ui));
  }
  if (selected('backpressureDrain')) {
    ui.log(`backpressureDrain: a burst of ${plan.backpressureDrain.burst} through the buffer (SNS -> SQS -> K consumers) on the local cloud, ${plan.drainRuns} time(s)`);
    result.backpressureDrain = await onLocalTarget(io, (target) => measureBackpressureDrain(target, plan.backpressureDrain, plan.drainRuns, ui));
  }
  if (selected('ordersThroughput')) {
    const { orders, workMs } = plan.ordersThroughput;
    ui.log(`ordersThroughput: ${orders} orders through the order API on the local cloud, ${workMs} ms of simulated payment and inventory work each`);
    result.ordersThroughput = await onLocalTarget(io, (target) => measureOrdersThroughput(target, plan.ordersThroughput, ui));
  }
  if (selected('synth')) {
    ui.log(`synth: ${plan.synthRuns} in-process syntheses per stack, bundling off`);
    result.synth = { stacks: await measureSynth(plan.synthRuns) };
    if (plan.unitSuite) {
      ui.log('synth: running the unit suite once (npx jest --selectProjects unit)');
      const suite = await measureUnitSuite();
      result.unitSuiteSeconds = suite.seconds;
      result.unitSuitePassed = suite.passed;
      if (suite.failures) result.unitSuiteFailures = suite.failures;
    } else {
      result.unitSuiteSeconds = null;
      result.unitSuitePassed = null;
    }
  }
  const cloud = { up: selected('up'), gateway: selected('gateway'), attach: selected('attach') };
  if (cloud.up || cloud.gateway || cloud.attach) {
    ui.log(`up, gateway, attach: one \`labs up ${plan.cloudModules.join(' ')}\`, ${plan.gatewayMessages} SendMessage calls each way`);
    result.cloud = await measureCloud(cloud, plan, ui);
  }
  return result;
}
