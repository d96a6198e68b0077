import { costCommand, costReport, estimateTemplate, idleCostWarning, labIdleCostNotice, renderCostTables, synthesizeTemplates, type ModuleTemplate } from '../../../labs/cost/command';
import type { ModuleCostEstimate } from '../../../labs/cost/estimate';
import { parseContext } from '../../../labs/context-option';
import { MODULES } from '../../../lib/modules';
import { createColors } from 'picocolors';
import { runCli } from '../../../labs/cli';

// One synth of every module with its default settings, shared by the tests of this file.
let templates: ModuleTemplate[];
let estimates: ModuleCostEstimate[];
beforeAll(async () => {
  templates = synthesizeTemplates();
  estimates = await Promise.all(templates.map(estimateTemplate));
});

describe('default templates against their idle-cost targets', () => {
  const IDLE_TARGETS: Readonly<Record<string, number>> = { stream: 0.25, cdc: 0 };
  test.each(MODULES.map((m) => m.name))('%s meets its idle target ($0.25/h for stream, $0/h for cdc, $0.01/h for the others)', (name) => {
    // GIVEN the module's default template WHEN it is estimated
    const estimate = estimates.find((e) => e.module === name)!;
    // THEN
    expect(estimate.idleTargetPerHour).toBe(IDLE_TARGETS[name] ?? 0.01);
    expect(estimate.idlePerHour).toBeLessThanOrEqual(estimate.idleTargetPerHour);
    expect(estimate.perMillionMessages).toBeGreaterThan(0);
  });

  test('the stream module bills its shards and enhanced fan-out consumers by the hour', () => {
    const stream = estimates.find((e) => e.module === 'stream')!;
    expect(stream.lineItems.idle.map((i) => i.type)).toEqual(
      expect.arrayContaining(['AWS::Kinesis::Stream', 'AWS::Kinesis::StreamConsumer']),
    );
    expect(stream.idlePerHour).toBeGreaterThan(estimates.find((e) => e.module === 'fanout')!.idleTargetPerHour);
  });
});

describe('report and rendering', () => {
  test('the JSON report lists every module with the fields the issue asks for', () => {
    const report = costReport(estimates);
    expect(report.modules.map((m) => m.module)).toEqual(MODULES.map((m) => m.name));
    for (const m of report.modules) {
      expect(m).toEqual(
        expect.objectContaining({
          idlePerHour: expect.any(Number),
          idlePerMonth: expect.any(Number),
          perMillionMessages: expect.any(Number),
          lineItems: { idle: expect.any(Array), perMillionMessages: expect.any(Array) },
          assumptions: expect.arrayContaining([expect.any(String)]),
        }),
      );
      // Each figure is rounded to a millionth on its own: compare the month with the unrounded estimate's.
      const estimate = estimates.find((e) => e.module === m.module)!;
      expect(estimate.idlePerMonth).toBeCloseTo(estimate.idlePerHour * 730, 9);
      expect(m.idlePerMonth).toBeCloseTo(estimate.idlePerMonth, 6);
    }
  });

  test('the tables show each module total and its assumptions', () => {
    const text = renderCostTables(estimates);
    for (const e of estimates) expect(text).toContain(`${e.module}: $${e.idlePerHour.toFixed(4)}/h idle`);
    expect(text).toContain('a month is 730 hours');
  });

  test('the stream warning names the hourly cost, what bills, and how to stop it', () => {
    const stream = templates.find((t) => t.module.name === 'stream')!;
    const warning = idleCostWarning(estimates.find((e) => e.module === 'stream')!, { stackName: stream.stackId, stackPrefix: stream.stackPrefix });
    expect(warning).toMatch(/^LabStream costs about \$0\.\d{4} per hour .*provisioned shard.*enhanced fan-out consumer.*npx cdk destroy LabStream$/);
  });
});

describe('labIdleCostNotice', () => {
  test('warns on AWS that the deployed stream keeps billing until destroyed', async () => {
    expect(await labIdleCostNotice('stream', 'aws')).toMatch(/^LabStream costs about \$0\.1800 per hour .*npx cdk destroy LabStream$/);
  });

  test('says on the local cloud what the stream would cost once deployed, with the lab\'s prefix and shard count', async () => {
    expect(await labIdleCostNotice('stream', 'local', { stackPrefix: 'alice-', shardCount: 2 })).toMatch(
      /^Deployed on AWS \(not on the local cloud, which is free\): alice-LabStream costs about \$0\.0900 per hour .*npx cdk destroy alice-LabStream -c stackPrefix=alice-$/,
    );
  });

  test.each(['fanout', 'worker-pool', 'pipeline'] as const)('says nothing for %s, which costs (nearly) nothing while idle', async (name) => {
    expect(await labIdleCostNotice(name, 'aws')).toBeUndefined();
  });
});

describe('labs cost', () => {
  test('--json prints one JSON object with the requested module only', async () => {
    // GIVEN
    const lines: string[] = [];
    // WHEN
    await costCommand({ write: (text) => lines.push(text) }).parseAsync(['fanout', '--json'], { from: 'user' });
    // THEN
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { modules: Array<{ module: string }> };
    expect(parsed.modules.map((m) => m.module)).toEqual(['fanout']);
  });

  test('prints no colour codes when its output is not a terminal, even in CI', async () => {
    // GIVEN stdout is a pipe in a CI job
    let stdout = '';
    // WHEN
    const code = await runCli(['node', 'labs', 'cost', 'fanout'], {
      io: { stdout: { write: (s: string) => (stdout += s), isTTY: false }, stderr: { write: () => true, isTTY: false }, env: { CI: 'true' } },
      targetFor: () => {
        throw new Error('labs cost opens no target');
      },
    });
    // THEN
    expect(code).toBe(0);
    expect(stdout).toContain('fanout: $0.0000/h idle');
    expect(stdout).not.toContain('\u001b[');
  });

  test('colours the verdict for a terminal', () => {
    const text = renderCostTables(estimates, createColors(true));
    expect(text).toContain('\u001b[32mwithin the $0.01/h target');
  });

  test('fails if a context pair has no key', () => {
    expect(parseContext(['shardCount=2', 'a=b=c'])).toEqual({ shardCount: '2', a: 'b=c' });
    expect(() => parseContext(['=2'])).toThrow(/context must be given as key=value, but '=2' was provided/);
  });
});
