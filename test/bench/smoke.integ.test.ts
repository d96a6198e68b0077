import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { SECTIONS, type BenchResult, type Section } from '../../bench/run';
import { MODULES } from '../../lib/modules';

/**
 * The benchmark as CI runs it: every section with small counts, through `npm run bench`. Asserts the
 * JSON shape and the targets that do not depend on the machine's speed (API calls per message,
 * bundle sizes, the worker pool's verdict), never a timing. The sections run in two `npm run bench
 * -- --only` processes side by side (the in-process measurements, and the ones that mostly wait on a
 * local cloud); together they are every section once.
 */

const PROJECT_ROOT = resolve(__dirname, '..', '..');
const IN_PROCESS: readonly Section[] = ['apiCalls', 'handlers', 'bundles', 'synth', 'coldStart', 'localWorkerPool'];
let result: BenchResult;

async function bench(sections: readonly Section[]): Promise<BenchResult> {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench', '--', '--smoke', '--json', '--only', sections.join(',')], {
    cwd: PROJECT_ROOT,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return JSON.parse(stdout) as BenchResult;
}

beforeAll(async () => {
  const onCloud = SECTIONS.filter((section) => !IN_PROCESS.includes(section));
  const [first, second] = await Promise.all([bench(IN_PROCESS), bench(onCloud)]);
  result = { ...first, ...second };
}, 600_000);

test('prints one JSON object with every section', () => {
  expect(Object.keys(result)).toEqual(expect.arrayContaining(['apiCalls', 'handlers', 'bundles', 'coldStart', 'localWorkerPool', 'cdcLag', 'backpressureDrain', 'ordersThroughput', 'synth', 'unitSuiteSeconds']));
  expect(result.smoke).toBe(true);
  expect(result.unitSuiteSeconds).toBeNull();
});

test('apiCalls: every bulk sender stays within 5% of the batch minimum, with no single-item call', () => {
  const figures = result.apiCalls ?? [];
  expect(figures.length).toBeGreaterThan(0);
  for (const f of figures) {
    expect(f).toEqual(expect.objectContaining({ operation: expect.any(String), messages: expect.any(Number), calls: expect.any(Number), minimum: expect.any(Number) }));
    expect({ component: f.component, messages: f.messages, ratioOk: f.calls / f.minimum <= 1.05, singleItemCalls: f.singleItemCalls }).toEqual({
      component: f.component,
      messages: f.messages,
      ratioOk: true,
      singleItemCalls: 0,
    });
  }
  const sqs = figures.filter((f) => f.operation === 'SQS SendMessageBatch');
  expect(sqs.length).toBeGreaterThan(0);
  for (const f of sqs) expect(f.maxBatchBytes).toBeLessThanOrEqual(64 * 1024);
});

test('handlers: every core reports a positive rate (not asserted against the target: timing)', () => {
  const figures = result.handlers ?? [];
  expect(figures.map((f) => f.name)).toEqual(
    expect.arrayContaining(['worker-pool core', 'stream consumer core', 'pipeline fan-in core', 'pipeline ventilator core']),
  );
  for (const f of figures) expect(f.recordsPerSecond).toBeGreaterThan(0);
});

test('bundles: every function bundle is at most 300 KB', () => {
  const figures = result.bundles ?? [];
  expect(figures.length).toBeGreaterThanOrEqual(4);
  for (const f of figures) expect(f.importMs).toBeGreaterThan(0);
  expect(figures.filter((f) => f.bytes > 300 * 1024).map((f) => `${f.function}: ${f.bytes} bytes`)).toEqual([]);
});

test('coldStart: every emulator of the local cloud was started and timed', () => {
  expect(result.coldStart).toEqual(
    expect.objectContaining({ services: ['sqs', 'sns', 'kinesis', 'dynamodb'], runs: 1 }),
  );
  expect(result.coldStart?.minSeconds).toBeGreaterThan(0);
});

test('localWorkerPool: the pool processes every task once on the local cloud', () => {
  const figure = result.localWorkerPool;
  expect(figure).toBeDefined();
  if (figure === undefined || 'skipped' in figure) throw new Error(`localWorkerPool was not measured: ${JSON.stringify(figure)}`);
  expect(figure).toEqual(expect.objectContaining({ tasks: 30, workers: 3, taskMs: 100, idealSeconds: 1, verdictOk: true }));
  expect(figure.measuredSeconds).toBeGreaterThan(0);
});

test('synth: one figure per stack', () => {
  expect(result.synth?.stacks.map((s) => s.stack).sort()).toEqual(MODULES.map((m) => m.stackId).sort());
});

test('up, gateway, attach: a labs up came up, its endpoint answered every SendMessage, a lab attached to it', () => {
  const cloud = result.cloud;
  expect(cloud?.up).toEqual(expect.objectContaining({ modules: ['fanout'] }));
  expect(cloud?.gateway).toEqual(expect.objectContaining({ messages: 100 }));
  expect(cloud?.gateway?.endpointMedianMs).toBeGreaterThan(0);
  expect(cloud?.attach?.inProcessSeconds).toBeGreaterThan(0);
});

test('backpressureDrain: the buffer strategy processes the whole smoke burst, and its verdict holds', () => {
  const figure = result.backpressureDrain;
  if (figure === undefined || 'skipped' in figure) throw new Error(`backpressureDrain was not measured: ${JSON.stringify(figure)}`);
  expect({ burst: figure.burst, capacity: figure.capacity, idealSeconds: figure.idealSeconds, verdictOk: figure.verdictOk }).toEqual({ burst: 15, capacity: 3, idealSeconds: 1, verdictOk: true });
});

test('cdcLag: both projectors apply every change of the smoke run, and the lab verdict holds', () => {
  const figure = result.cdcLag;
  if (figure === undefined || 'skipped' in figure) throw new Error(`cdcLag was not measured: ${JSON.stringify(figure)}`);
  expect(figure.changes).toBe(20);
  expect(figure.verdictOk).toBe(true);
  expect(figure.projectors.map((p) => p.name)).toEqual(['search-index', 'category-summary']);
});

test('ordersThroughput: every smoke order is confirmed through the API, and the workers\' SDK calls are counted', () => {
  const figure = result.ordersThroughput;
  if (figure === undefined || 'skipped' in figure) throw new Error(`ordersThroughput was not measured: ${JSON.stringify(figure)}`);
  expect({ orders: figure.orders, confirmed: figure.confirmed, poolSize: figure.poolSize, minSdkCallsPerOrder: figure.minSdkCallsPerOrder, verdictOk: figure.verdictOk }).toEqual({
    orders: 30,
    confirmed: 30,
    poolSize: 3,
    minSdkCallsPerOrder: 16,
    verdictOk: true,
  });
  // Not a timing: no order costs fewer calls than the minimum, and every function made some.
  expect(figure.sdkCallsPerOrder).toBeGreaterThanOrEqual(12);
  expect(Object.keys(figure.sdkCallsByFunction).sort()).toEqual(['intake', 'inventory', 'notification', 'payment']);
});

