import Table from 'cli-table3';
import { Command } from 'commander';
import { buildApp } from '../../lib/app';
import { MODULES, STACK_PREFIX_CONTEXT, findModule, stackIdFor, type LabModule, type ModuleName } from '../../lib/modules';
import { parseContext } from '../context-option';
import { estimateModuleCost, type ModuleCostEstimate } from './estimate';
import { HOURS_PER_MONTH, PRICE_REGION } from './prices';
import type { CfnTemplate } from './template';
import { colorsFor, PLAIN, type Colors } from '../report/style';
import { cdkCommand, type StackName } from '../cdk-command';

export interface ModuleTemplate {
  readonly module: LabModule;
  readonly stackId: string;
  /** The prefix of `stackId` ('' when none). */
  readonly stackPrefix: string;
  readonly template: CfnTemplate;
}

/** Synthesizes `modules` in one app, as `cdk synth` would but without bundling, and returns their templates. */
export function synthesizeTemplates(modules: readonly LabModule[] = MODULES, context: Record<string, unknown> = {}): ModuleTemplate[] {
  // CDK's template validation (seconds per synthesis) is left to `cdk synth` and the tests: the cost
  // model reads the resources, and a lab that prints the idle cost would wait for it after every run.
  const app = buildApp({ bundling: false, validation: false, modules, context });
  const assembly = app.synth();
  const prefix = String(app.node.tryGetContext(STACK_PREFIX_CONTEXT) ?? '');
  return modules.map((module) => {
    const stackId = stackIdFor(module, prefix);
    return { module, stackId, stackPrefix: prefix, template: assembly.getStackByName(stackId).template as CfnTemplate };
  });
}

/** Idle and per-message cost of one synthesized module, by the cost model of the module's lab. */
export async function estimateTemplate({ module, template }: ModuleTemplate): Promise<ModuleCostEstimate> {
  return estimateModuleCost(module.name, (await module.lab()).cost, template);
}

/** Estimates for `modules` (default: every module) with the given CDK context. */
export async function estimateModules(modules: readonly LabModule[] = MODULES, context: Record<string, unknown> = {}): Promise<ModuleCostEstimate[]> {
  return Promise.all(synthesizeTemplates(modules, context).map(estimateTemplate));
}

/** The `--json` document: dollars rounded to a millionth so figures compare cleanly. */
export function costReport(estimates: readonly ModuleCostEstimate[]): { region: string; modules: ModuleCostEstimate[] } {
  return {
    region: PRICE_REGION,
    modules: estimates.map((e) => ({
      ...e,
      idlePerHour: usd(e.idlePerHour),
      idlePerMonth: usd(e.idlePerMonth),
      perMillionMessages: usd(e.perMillionMessages),
      lineItems: {
        idle: e.lineItems.idle.map((i) => ({ ...i, perHour: usd(i.perHour) })),
        perMillionMessages: e.lineItems.perMillionMessages.map((i) => ({ ...i, quantity: usd(i.quantity), usd: usd(i.usd) })),
      },
    })),
  };
}

/** One table per module: the totals, then each line item, then the assumptions. */
export function renderCostTables(estimates: readonly ModuleCostEstimate[], pc: Colors = PLAIN): string {
  const sections = estimates.map((e) => {
    const target = e.idleTargetPerHour;
    const verdict = e.idlePerHour <= target ? pc.green(`within the $${target}/h target`) : pc.red(`above the $${target}/h target`);
    const table = new Table({ head: ['item', 'idle $/h', 'per million messages'], style: { head: [], border: [] } });
    for (const i of e.lineItems.idle) table.push([`${i.logicalId}: ${i.what}`, money(i.perHour), '']);
    for (const i of e.lineItems.perMillionMessages) {
      table.push([`${i.what} (${formatQuantity(i.quantity)} ${i.unit})`, '', money(i.usd)]);
    }
    table.push([pc.bold('total'), pc.bold(money(e.idlePerHour)), pc.bold(money(e.perMillionMessages))]);
    return [
      pc.bold(`${e.module}: ${money(e.idlePerHour)}/h idle (${money(e.idlePerMonth, 2)}/month), ${money(e.perMillionMessages, 2)} per million messages, ${verdict}`),
      table.toString(),
      ...e.assumptions.map((a) => `  - ${a}`),
    ].join('\n');
  });
  return [...sections, `Prices: ${PRICE_REGION} list prices, see labs/cost/prices.ts for the date and source of each.`].join('\n\n');
}

/** The warning a lab prints before it runs against a deployed stack that bills while idle. */
export function idleCostWarning(estimate: ModuleCostEstimate, stack: StackName): string {
  const billed = estimate.lineItems.idle.map((i) => i.what).join(', ');
  return (
    `${stack.stackName} costs about ${money(estimate.idlePerHour)} per hour (${money(estimate.idlePerHour * 24, 2)} per day, ` +
    `${money(estimate.idlePerHour * HOURS_PER_MONTH, 2)} per month) while it stays deployed, even with no traffic ` +
    `(${billed}). Delete it when you are done: ${cdkCommand('destroy', stack)}`
  );
}

/** Below this hourly idle cost a module is as good as free while deployed, and a lab says nothing. */
export const IDLE_COST_NOTICE_THRESHOLD_PER_HOUR = 0.01;

/**
 * What a lab prints after it runs, for a module billed while idle (the stream's shards and consumers):
 * on AWS, the warning that the deployed stack keeps costing until destroyed; on the local cloud, what
 * the same stack would cost once deployed. `undefined` for modules that cost nothing while idle.
 */
export async function labIdleCostNotice(
  moduleName: ModuleName,
  target: 'local' | 'aws',
  context: Record<string, unknown> = {},
): Promise<string | undefined> {
  const [synthesized] = synthesizeTemplates([findModule(moduleName)], context) as [ModuleTemplate];
  const estimate = await estimateTemplate(synthesized);
  const { stackId, stackPrefix } = synthesized;
  if (estimate.idlePerHour < IDLE_COST_NOTICE_THRESHOLD_PER_HOUR) return undefined;
  const warning = idleCostWarning(estimate, { stackName: stackId, stackPrefix });
  return target === 'aws' ? warning : `Deployed on AWS (not on the local cloud, which is free): ${warning}`;
}

export interface CostCommandOptions {
  /**
   * Where the report goes (one call, without a trailing newline).
   * @default - console.log
   */
  readonly write?: (text: string) => void;
  /**
   * Colours of the tables: on only for a terminal, never in CI logs or a pipe.
   * @default - colorsFor(process.stdout)
   */
  readonly colors?: Colors;
}

/** `labs cost [modules...] [--json] [-c key=value...]`. */
export function costCommand(options: CostCommandOptions = {}): Command {
  const write = options.write ?? ((text: string) => console.log(text));
  return new Command('cost')
    .description('estimate what each module costs while deployed (idle $/h, $/month) and per million messages, from its synthesized template')
    .argument('[modules...]', `modules to estimate (default: all of ${MODULES.map((m) => m.name).join(', ')})`)
    .option('--json', 'print one JSON object on stdout')
    .option('-c, --context <key=value...>', 'CDK context, as `cdk deploy -c` takes it (e.g. shardCount=2)')
    .action(async function (this: Command, names: string[], flags: { json?: boolean; context?: string[] }) {
      // A misspelt module or context pair is a usage error (exit code 2), said before anything is synthesized.
      let modules: readonly LabModule[];
      let context: Record<string, string>;
      try {
        modules = names.length > 0 ? names.map(findModule) : MODULES;
        context = parseContext(flags.context ?? []);
      } catch (error) {
        return this.error(`error: ${(error as Error).message}`, { exitCode: 2, code: 'labs.cost.usage' });
      }
      const estimates = await estimateModules(modules, context);
      write(flags.json ? JSON.stringify(costReport(estimates), null, 2) : renderCostTables(estimates, options.colors ?? colorsFor(process.stdout)));
    });
}

export function usd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function money(value: number, decimals = 4): string {
  return `$${value.toFixed(decimals)}`;
}

function formatQuantity(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(3);
}
