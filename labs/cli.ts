import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MODULES, checkStackPrefix, stackIdFor, type LabModule } from '../lib/modules';
import { cloudCommands } from './cloud/commands';
import { contextPair } from './context-option';
import { costCommand } from './cost/command';
import { errorResult, labResult, toJsonLine, type LabResult } from './report/json';
import { mark, seconds } from './report/format';
import { colorsFor, type StreamLike } from './report/style';
import { renderTable } from './report/table';
import { createUi, type Ui } from './report/ui';
import { UsageError, type LabOutcome, type ModuleLab, type OptionSpec, type Scenario } from './scenarios/scenario';
import type { Target, TargetName, TargetSession } from './targets/target';

export interface CliIo {
  readonly stdout: StreamLike;
  readonly stderr: StreamLike;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliDeps {
  readonly io?: CliIo;
  /** The modules, each with its lab. @default - every module of the registry */
  readonly modules?: readonly LabModule[];
  readonly targetFor?: (name: TargetName) => Target;
}

/** Options every lab command takes. */
export interface SharedOptions {
  readonly target: TargetName;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly stackPrefix: string;
  readonly region?: string;
  readonly profile?: string;
  /** `-c key=value` values (scenario commands only). */
  readonly context?: Readonly<Record<string, string>>;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Sessions open right now, so a signal can release them (emulators, pollers) before exiting. */
const openSessions = new Set<TargetSession>();

export async function closeOpenSessions(): Promise<void> {
  await Promise.allSettled([...openSessions].map((s) => s.close()));
  openSessions.clear();
}

function parseCount(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`${flag} takes a whole number, but '${raw}' was provided.`);
    }
    if (value < min || value > max) {
      throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, but ${value} was provided.`);
    }
    return value;
  };
}

function parseStackPrefix(raw: string): string {
  try {
    checkStackPrefix(raw);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  return raw;
}

function toOption(spec: OptionSpec): Option {
  // A count's maximum is part of its help line, so the limit is known before it is hit.
  const description = spec.kind === 'count' ? `${spec.description} (at most ${spec.max.toLocaleString('en-US')})` : spec.description;
  const option = new Option(spec.flags, description);
  const flag = spec.flags.split(' ')[0] as string;
  if (spec.kind === 'count') option.argParser(parseCount(flag, spec.min ?? 0, spec.max));
  if (spec.defaultValue !== undefined && spec.kind !== 'flag') option.default(spec.defaultValue);
  return option;
}

/** The values a scenario's options take when nobody sets them (what `labs all` runs with). */
export function defaultOptions(scenario: Scenario): Record<string, unknown> {
  return Object.fromEntries(
    scenario.options.filter((s) => s.defaultValue !== undefined).map((s) => [new Option(s.flags).attributeName(), s.defaultValue]),
  );
}

function addSharedOptions(command: Command): Command {
  return command
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['local', 'aws']).default('local'))
    .option('--json', 'print one JSON object on stdout (progress and logs go to stderr)')
    .option('--verbose', 'show handler logs and error details')
    .option('--stack-prefix <prefix>', 'per-student stack prefix, as deployed with -c stackPrefix=... (default: none)', parseStackPrefix)
    .option('--region <region>', 'AWS region (--target aws; default: your AWS configuration)')
    .option('--profile <profile>', 'AWS profile (--target aws)');
}

/** `-c key=value` for commander: a usage error (exit code 2) when malformed. */
function parseContextOption(raw: string, previous: Record<string, string> | undefined): Record<string, string> {
  try {
    return contextPair(raw, previous);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

/**
 * The stack's CDK context for this run: the lab's own (its options that change the stack) and the
 * student's `-c` values, which must agree where both set a key. `-c` shapes the local synth; on AWS the
 * deployed stack is what it is, so there it is refused with the deploy command that would change it.
 */
export function runContext(
  module: LabModule,
  target: TargetName,
  given: Readonly<Record<string, string>> | undefined,
  fromLab: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  const keys = Object.keys(given ?? {});
  if (keys.length > 0 && target === 'aws') {
    const flags = keys.map((k) => `-c ${k}=${given?.[k]}`).join(' ');
    throw new UsageError(`-c shapes the local cloud's stack; on AWS deploy it that way instead: npx cdk deploy ${module.stackId} ${flags}`);
  }
  for (const key of keys) {
    const ours = fromLab?.[key];
    if (ours !== undefined && String(ours) !== given?.[key]) {
      throw new UsageError(`-c ${key}=${given?.[key]} disagrees with the lab's options, which set ${key} to ${String(ours)}: drop one`);
    }
  }
  const merged = { ...given, ...fromLab };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function sharedOptions(raw: Record<string, unknown>): SharedOptions {
  return {
    target: raw.target as TargetName,
    json: raw.json === true,
    verbose: raw.verbose === true,
    stackPrefix: String(raw.stackPrefix ?? ''),
    ...(typeof raw.region === 'string' ? { region: raw.region } : {}),
    ...(typeof raw.profile === 'string' ? { profile: raw.profile } : {}),
    ...(raw.context !== undefined ? { context: raw.context as Record<string, string> } : {}),
  };
}

interface RunReport {
  readonly result: LabResult;
  readonly rendered?: string;
}

class Cli {
  private readonly io: CliIo;
  private readonly modules: readonly LabModule[];
  private readonly labs: ReadonlyMap<LabModule, ModuleLab>;
  private readonly targetFor: (name: TargetName) => Target;
  exitCode = EXIT_OK;

  constructor(io: CliIo, labs: ReadonlyMap<LabModule, ModuleLab>, targetFor: (name: TargetName) => Target) {
    this.io = io;
    this.modules = [...labs.keys()];
    this.labs = labs;
    this.targetFor = targetFor;
  }

  private labOf(module: LabModule): ModuleLab {
    const lab = this.labs.get(module);
    if (!lab) throw new Error(`module ${module.name} has no lab`);
    return lab;
  }

  program(): Command {
    const program = new Command('labs')
      .description('Run the messaging labs against the local cloud (default) or the deployed stacks (--target aws).')
      .exitOverride()
      // Shared options exist on a module command and on its subcommands: each belongs to the command
      // it follows (`labs stream group --json` is the group's --json).
      .enablePositionalOptions()
      .configureOutput({
        writeOut: (s) => this.io.stdout.write(s),
        writeErr: (s) => this.io.stderr.write(s),
      })
      .showHelpAfterError('Usage: labs <module> [options]; run `labs --help` for the modules')
      .addHelpText('after', '\nExit codes: 0 the lab\'s verdict holds, 1 it does not (or the target failed), 2 usage error.');

    addSharedOptions(program.command('list').description('list the lab modules and their stacks')).action((raw: Record<string, unknown>) =>
      this.list(sharedOptions(raw)),
    );

    for (const module of this.modules) {
      const lab = this.labOf(module);
      const command = this.scenarioCommand(program, module, module.name, lab.main, `labs ${module.name}`);
      for (const sub of lab.subcommands ?? []) {
        // `outage inventory`: a group command (`outage`) holds the scenarios that share its first word.
        const words = String(sub.command).split(' ');
        let parent = command;
        for (const word of words.slice(0, -1)) {
          parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(`the ${word} scenarios of labs ${module.name}`);
        }
        this.scenarioCommand(parent, module, words[words.length - 1]!, sub, `labs ${module.name} ${sub.command}`);
      }
    }

    addSharedOptions(program.command('all').description('run every module\'s lab in turn, then a summary; exit 0 iff all hold')).action(
      async (raw: Record<string, unknown>) => this.all(sharedOptions(raw)),
    );
    program.addCommand(
      costCommand({ write: (text) => this.io.stdout.write(`${text}\n`), colors: colorsFor(this.io.stdout, this.io.env) })
        .copyInheritedSettings(program)
        .showHelpAfterError('Usage: labs cost [options] [modules...]; run `labs cost --help` for the options'),
    );
    for (const command of cloudCommands(this.io, this.modules)) program.addCommand(command.copyInheritedSettings(program).showHelpAfterError(`run \`labs ${command.name()} --help\` for the options`));
    return program;
  }

  private scenarioCommand(parent: Command, module: LabModule, name: string, scenario: Scenario, fullName: string): Command {
    const command = parent.command(name).description(`${scenario.summary}\nstack: ${module.stackId}; seed: ${module.seed}`);
    for (const spec of scenario.options) command.addOption(toOption(spec));
    addSharedOptions(command).option(
      '-c, --context <key=value>',
      `CDK context for the local cloud's ${module.stackId}, as \`cdk deploy -c\` takes it (repeatable; local target only)`,
      parseContextOption,
    );
    command.showHelpAfterError(`Usage: ${fullName} ${command.usage()}; run \`${fullName} --help\` for the options`);
    command.action(async (raw: Record<string, unknown>) => {
      const shared = sharedOptions(raw);
      let prepared;
      let context;
      try {
        prepared = scenario.prepare(raw, { stackPrefix: shared.stackPrefix });
        context = 'compute' in prepared ? undefined : runContext(module, shared.target, shared.context, prepared.context);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        this.io.stderr.write(`error: ${error.message}\nUsage: ${fullName} ${command.usage()}; run \`${fullName} --help\` for the options\n`);
        this.exitCode = EXIT_USAGE;
        return;
      }
      const ui = createUi({ stderr: this.io.stderr, json: shared.json, verbose: shared.verbose, env: this.io.env });
      const report = await this.runLab(module, scenario, prepared, context, shared, ui);
      this.emit(report, shared);
      this.exitCode = report.result.ok ? EXIT_OK : EXIT_FAILED;
    });
    return command;
  }

  /** Opens the module's stack on the target, runs the scenario, always closes the session. */
  private async runLab(
    module: LabModule,
    scenario: Scenario,
    prepared: ReturnType<Scenario['prepare']>,
    context: Record<string, unknown> | undefined,
    shared: SharedOptions,
    ui: Ui,
  ): Promise<RunReport> {
    if ('compute' in prepared) return this.report(module, scenario, prepared.compute(), shared);
    let session: TargetSession | undefined;
    try {
      session = await this.targetFor(shared.target).open(module, {
        ...(context ? { context } : {}),
        ...(prepared.requiredConcurrency ? { requiredConcurrency: prepared.requiredConcurrency } : {}),
        stackPrefix: shared.stackPrefix,
        verbose: shared.verbose,
        ...(shared.region ? { region: shared.region } : {}),
        ...(shared.profile ? { profile: shared.profile } : {}),
        log: ui.log,
      });
      openSessions.add(session);
      return this.report(module, scenario, await prepared.run(session, ui), shared);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.io.stderr.write(`labs: ${message.split('\n')[0]}\n`);
      if (shared.verbose && error instanceof Error && error.stack) this.io.stderr.write(`${error.stack}\n`);
      return { result: errorResult(module.name, shared.target, scenario.command, message.split('\n')[0] ?? message) };
    } finally {
      if (session) {
        openSessions.delete(session);
        await session.close();
      }
    }
  }

  private report(module: LabModule, scenario: Scenario, outcome: LabOutcome, shared: SharedOptions): RunReport {
    return {
      result: labResult(module.name, shared.target, scenario.command, outcome),
      rendered: outcome.render(colorsFor(this.io.stdout, this.io.env)),
    };
  }

  private verdictLine(result: LabResult): string {
    const colors = colorsFor(this.io.stdout, this.io.env);
    const name = result.scenario ? `${result.module} ${result.scenario}` : result.module;
    return result.ok
      ? `${mark(colors, true)} ${name}: every expectation holds`
      : `${mark(colors, false)} ${name} failed: ${result.failures.join('; ')}`;
  }

  private emit(report: RunReport, shared: SharedOptions): void {
    if (shared.json) {
      this.io.stdout.write(toJsonLine(report.result));
      if (!report.result.ok && report.result.error === undefined) this.io.stderr.write(`labs: ${this.verdictLine(report.result)}\n`);
      return;
    }
    if (report.rendered !== undefined) this.io.stdout.write(`${report.rendered}\n`);
    if (report.result.error === undefined) this.io.stdout.write(`${this.verdictLine(report.result)}\n`);
  }

  private list(shared: SharedOptions): void {
    const rows = this.modules.map((m) => ({
      name: m.name,
      stackId: stackIdFor(m, shared.stackPrefix),
      seed: m.seed,
      description: m.description,
      commands: [m.name, ...(this.labOf(m).subcommands ?? []).map((s) => `${m.name} ${s.command}`)],
    }));
    if (shared.json) {
      this.io.stdout.write(toJsonLine({ modules: rows }));
      return;
    }
    this.io.stdout.write(
      `${renderTable(['module', 'stack', 'seed', 'what it shows'], rows.map((r) => [r.commands.join('\n'), r.stackId, r.seed, r.description]))}\n`,
    );
  }

  private async all(shared: SharedOptions): Promise<void> {
    const ui = createUi({ stderr: this.io.stderr, json: shared.json, verbose: shared.verbose, env: this.io.env });
    const results: { result: LabResult; ms: number }[] = [];
    for (const module of this.modules) {
      const scenario = this.labOf(module).main;
      if (!shared.json) this.io.stdout.write(`\n== labs ${module.name} (${shared.target}) ==\n`);
      else ui.log(`== labs ${module.name} (${shared.target}) ==`);
      const started = Date.now();
      const prepared = scenario.prepare(defaultOptions(scenario), { stackPrefix: shared.stackPrefix });
      const context = 'compute' in prepared ? undefined : prepared.context;
      const report = await this.runLab(module, scenario, prepared, context, shared, ui);
      results.push({ result: report.result, ms: Date.now() - started });
      if (!shared.json) this.emit(report, shared);
    }
    const ok = results.every((r) => r.result.ok);
    if (shared.json) {
      this.io.stdout.write(toJsonLine({ module: 'all', target: shared.target, ok, modules: results.map((r) => r.result) }));
    } else {
      const colors = colorsFor(this.io.stdout, this.io.env);
      this.io.stdout.write(
        `\n${renderTable(
          ['module', 'target', 'verdict', 'took', 'first failed expectation'],
          results.map((r) => [r.result.module, r.result.target, mark(colors, r.result.ok), seconds(r.ms), r.result.failures[0] ?? '']),
        )}\n`,
      );
    }
    this.exitCode = ok ? EXIT_OK : EXIT_FAILED;
  }
}

/** Runs the lab tool with `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps & { targetFor: (name: TargetName) => Target }): Promise<number> {
  const io = deps.io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  try {
    const modules = deps.modules ?? MODULES;
    const labs = new Map(await Promise.all(modules.map(async (m) => [m, await m.lab()] as const)));
    const cli = new Cli(io, labs, deps.targetFor);
    await cli.program().parseAsync([...argv]);
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr.write(`labs: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}
