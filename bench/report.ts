import { mark } from '../labs/report/format';
import type { Colors } from '../labs/report/style';
import { renderTable } from '../labs/report/table';
import { MAX_DRAIN_OVERHEAD } from './backpressure-drain';
import { MAX_CALL_RATIO } from './api-calls';
import { MAX_BUNDLE_BYTES } from './bundles';
import { MAX_ATTACH_SECONDS, MAX_GATEWAY_RATIO, MAX_UP_SECONDS } from './cloud';
import { MAX_COLD_START_SECONDS } from './cold-start';
import { MIN_RECORDS_PER_SECOND } from './handlers';
import { MAX_POOL_OVERHEAD } from './local-worker-pool';
import { MAX_ORDERS_OVERHEAD, MAX_SDK_CALL_RATIO } from './orders-throughput';
import type { BenchResult, Section } from './run';

/** The command that measures one section again, the same way. */
export function reproduceCommand(section: Section, smoke: boolean): string {
  return `npm run bench -- --only ${section}${smoke ? ' --smoke' : ''}`;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const thousands = (n: number): string => n.toLocaleString('en-US');

function section(title: string, target: string, command: string, body: string): string {
  return `${title}\n  target: ${target}\n  reproduce: ${command}\n${body}\n`;
}

/** Tables for a person; every figure with its target, whether it meets it, and how to measure it again. */
export function renderBench(result: BenchResult, colors: Colors): string {
  const parts: string[] = [];
  const command = (s: Section): string => reproduceCommand(s, result.smoke);

  if (result.apiCalls) {
    parts.push(
      section(
        'API calls per N messages (counted at the SDK)',
        `calls / minimum <= ${MAX_CALL_RATIO}, no single-item call, SQS batches <= 64 KiB`,
        command('apiCalls'),
        renderTable(
          ['operation', 'component', 'payload', 'messages', 'calls', 'minimum', 'calls/min', 'single-item', 'max batch', 'ok'],
          result.apiCalls.map((f) => [
            f.operation,
            f.component,
            f.payload,
            f.messages,
            f.calls,
            f.minimum,
            f.ratio.toFixed(2),
            f.singleItemCalls,
            f.maxBytes === null ? kb(f.maxBatchBytes) : `${kb(f.maxBatchBytes)} / ${kb(f.maxBytes)}`,
            mark(colors, f.meets),
          ]),
        ),
      ),
    );
  }
  if (result.handlers) {
    parts.push(
      section(
        'Handler cores in-process, ports answered in memory (median)',
        `>= ${thousands(MIN_RECORDS_PER_SECOND)} records/s`,
        command('handlers'),
        renderTable(
          ['core', 'work per record', 'records/s', 'ok'],
          result.handlers.map((f) => [f.name, f.work, thousands(f.recordsPerSecond), mark(colors, f.meets)]),
        ),
      ),
    );
  }
  if (result.bundles) {
    const breakdowns = (result.bundleBreakdowns ?? []).map(
      (b) =>
        `  ${b.function} (${kb(b.bytes)}), largest packages: ` +
        b.contributors.map((c) => `${c.name} ${kb(c.bytes)}`).join(', '),
    );
    parts.push(
      section(
        'Function bundles (as deployed) and their load time in a fresh process (median)',
        `<= ${kb(MAX_BUNDLE_BYTES)} per bundle`,
        command('bundles'),
        renderTable(
          ['function', 'bundle', 'import', 'ok'],
          result.bundles.map((f) => [f.function, kb(f.bytes), `${f.importMs} ms`, mark(colors, f.meets)]),
        ) + (breakdowns.length > 0 ? `\nOver the target, by package (from the bundles' source maps):\n${breakdowns.join('\n')}` : ''),
      ),
    );
  }
  if (result.coldStart) {
    const f = result.coldStart;
    parts.push(
      section(
        'Cold start of the local cloud: every emulator started and healthy',
        `< ${MAX_COLD_START_SECONDS} s`,
        command('coldStart'),
        renderTable(
          ['services', 'runs', 'median', 'min', 'max', 'ok'],
          [[f.services.join(', '), f.runs, `${f.medianSeconds} s`, `${f.minSeconds} s`, `${f.maxSeconds} s`, mark(colors, f.meets)]],
        ),
      ),
    );
  }
  const cloud = result.cloud;
  if (cloud?.up) {
    const f = cloud.up;
    parts.push(section('labs up: start to ready, every module', `< ${MAX_UP_SECONDS} s`, command('up'),
      renderTable(['modules', 'start to ready', 'ok'], [[f.modules.join(', '), `${f.seconds} s`, mark(colors, f.meets)]])));
  }
  if (cloud?.gateway) {
    const f = cloud.gateway;
    parts.push(section('The endpoint of labs up: SendMessage through it vs straight to fauxqs', `median ratio <= ${MAX_GATEWAY_RATIO}`, command('gateway'),
      renderTable(['messages', 'endpoint median', 'endpoint p99', 'direct median', 'direct p99', 'median ratio', 'ok'],
        [[f.messages, `${f.endpointMedianMs} ms`, `${f.endpointP99Ms} ms`, `${f.directMedianMs} ms`, `${f.directP99Ms} ms`, f.medianRatio, mark(colors, f.meets)]])));
  }
  if (cloud?.attach) {
    const f = cloud.attach;
    parts.push(section('labs fanout attached to a running cloud: start to first publish', `< ${MAX_ATTACH_SECONDS} s (inside the lab tool)`, command('attach'),
      renderTable(['inside the lab tool', 'as a new process (Node.js, tsx, CLI)', 'ok'], [[`${f.inProcessSeconds} s`, `${f.processSeconds} s`, mark(colors, f.meets)]])));
  }
  if (result.localWorkerPool) {
    const f = result.localWorkerPool;
    parts.push(
      section(
        'Worker pool on the local cloud, first send to last ledger record',
        `measured / ideal <= ${MAX_POOL_OVERHEAD}`,
        command('localWorkerPool'),
        'skipped' in f
          ? `  not measured: ${f.skipped}`
          : renderTable(
              ['tasks', 'workers', 'task', 'ideal', 'measured', 'measured/ideal', 'first record', 'per task', 'DynamoDB write', 'workers seen', 'verdict', 'ok'],
              [
                [
                  f.tasks,
                  f.workers,
                  `${f.taskMs} ms`,
                  `${f.idealSeconds} s`,
                  `${f.measuredSeconds} s`,
                  f.ratio.toFixed(2),
                  `${f.firstRecordSeconds} s`,
                  `${f.perTaskMs} ms`,
                  `${f.dynamodbWriteMs} ms`,
                  f.workersSeen,
                  f.verdictOk ? 'ok' : 'failed',
                  mark(colors, f.meets),
                ],
              ],
            ),
      ),
    );
  }
  if (result.cdcLag) {
    const f = result.cdcLag;
    parts.push(
      section(
        'Change data capture on the local cloud, source write to each view',
        'none set (informative: the lag and rate of the two projectors; the lab verdict must hold)',
        command('cdcLag'),
        'skipped' in f
          ? `  not measured: ${f.skipped}`
          : renderTable(
              ['projector', 'changes', 'lag p50', 'lag p99', 'applied/s', 'verdict'],
              f.projectors.map((p) => [p.name, f.changes, `${p.lagP50Ms} ms`, `${p.lagP99Ms} ms`, p.appliedPerSecond, f.verdictOk ? 'ok' : 'failed']),
            ),
      ),
    );
  }
  if (result.backpressureDrain) {
    const f = result.backpressureDrain;
    parts.push(
      section(
        'Buffer strategy on the local cloud, burst to the last downstream completion',
        `measured / ideal (burst x work / K) <= ${MAX_DRAIN_OVERHEAD}`,
        command('backpressureDrain'),
        'skipped' in f
          ? `  not measured: ${f.skipped}`
          : renderTable(
              ['burst', 'K', 'work', 'ideal', 'runs', 'measured (median)', 'every run', 'measured/ideal', 'verdict', 'ok'],
              [[f.burst, f.capacity, `${f.workMs} ms`, `${f.idealSeconds} s`, f.runs, `${f.measuredSeconds} s`, f.runSeconds.map((x) => `${x} s`).join(', '), f.ratio.toFixed(2), f.verdictOk ? 'ok' : 'failed', mark(colors, f.meets)]],
            ) + f.failures.map((failure) => `\n  verdict failed: ${failure}`).join(''),
      ),
    );
  }
  if (result.ordersThroughput) {
    const f = result.ordersThroughput;
    parts.push(
      section(
        'Order capstone on the local cloud: orders through the API to CONFIRMED, against two pools of P workers doing the simulated work',
        `measured / ideal time and p99 <= ${MAX_ORDERS_OVERHEAD}, SDK calls per order / minimum <= ${MAX_SDK_CALL_RATIO}`,
        command('ordersThroughput'),
        'skipped' in f
          ? `  not measured: ${f.skipped}`
          : renderTable(
              ['orders', 'P', 'work', 'placed in', 'orders/s (ideal)', 'measured/ideal', 'p50 (ideal)', 'p99 (ideal)', 'SDK calls/order (min)', 'verdict', 'ok'],
              [
                [
                  f.orders,
                  f.poolSize,
                  `${f.workMs} ms`,
                  `${f.placingSeconds} s`,
                  `${f.ordersPerSecond} (${f.idealOrdersPerSecond})`,
                  f.ratio.toFixed(2),
                  `${f.latencyMs.p50} ms (${f.idealLatencyMs.p50})`,
                  `${f.latencyMs.p99} ms (${f.idealLatencyMs.p99})`,
                  `${f.sdkCallsPerOrder} (${f.minSdkCallsPerOrder})`,
                  f.verdictOk ? 'ok' : 'failed',
                  mark(colors, f.meets),
                ],
              ],
            ) +
            `\n  SDK calls per order by function: ${Object.entries(f.sdkCallsByFunction).map(([name, n]) => `${name} ${n}`).join(', ')}` +
            `\n  by operation: ${Object.entries(f.sdkCallsByOperation).map(([op, n]) => `${op} ${n}`).join(', ')}`,
      ),
    );
  }
  if (result.synth) {
    const suite =
      result.unitSuiteSeconds === null || result.unitSuiteSeconds === undefined
        ? 'unit suite: not run (smoke run)'
        : `unit suite (npx jest --selectProjects unit): ${result.unitSuiteSeconds} s wall, ${result.unitSuitePassed ? 'passed' : colors.red('FAILED')}` +
          (result.unitSuiteFailures ?? []).map((line) => `\n  ${line.trim()}`).join('');
    parts.push(
      section(
        'Synthesis per stack without bundling (median), and the unit suite',
        'none set (informative: the feedback loop of every stack test)',
        command('synth'),
        renderTable(['stack', 'synth'], result.synth.stacks.map((s) => [s.stack, `${s.medianMs} ms`])) + `\n${suite}`,
      ),
    );
  }
  return parts.join('\n');
}
