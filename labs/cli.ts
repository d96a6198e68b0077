import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { MODULES, stackIdFor, type LabModule } from '../lib/modules';
import { addSharedOptions, defaultOptions, parseContextOption, runContext, sharedOptions, toOption, type SharedOptions } from './cli-options';
import { cloudCommands } from './cloud/commands';
import { costCommand } from './cost/command';
import { errorResult, labResult, toJsonLine, type LabResult } from './report/json';
import { mark, seconds } from './report/format';
import { colorsFor, type StreamLike } from './report/style';
import { renderTable } from './report/table';
import { createUi, type Ui } from './report/ui';
import { UsageError, type LabOutcome, type ModuleLab, type Scenario } from './scenarios/scenario';
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

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Sessions open right now, so a signal can release them (emulators, pollers) before exiting. */
const openSessions = new Set<TargetSession>();

export async function closeOpenSessions(): Promise<void> {
  await Promise.allSettled([...openSessions].map((s) => s.close()));
  openSessions.clear();
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
      // `labs --help` shows a module's subcommands (with their arguments) under its line.
      const subcommands = (lab.subcommands ?? []).map((sub) => [sub.command, ...(sub.arguments ?? []).map((a) => (a.required === true ? `<${a.name}>` : `[${a.name}]`))].join(' '));
      if (subcommands.length > 0) command.description(`${command.description()}\nsubcommands: ${subcommands.join(', ')}`);
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
    const positional = scenario.arguments ?? [];
    for (const spec of positional) {
      command.argument(spec.required === true ? `<${spec.name}>` : `[${spec.name}]`, spec.description, (raw: string) => {
        try {
          return spec.parse(raw);
        } catch (error) {
          if (error instanceof UsageError) throw new InvalidArgumentError(error.message);
          throw error;
        }
      });
    }
    for (const spec of scenario.options) command.addOption(toOption(spec));
    addSharedOptions(command).option(
      '-c, --context <key=value>',
      `CDK context for the local cloud's ${module.stackId}, as \`cdk deploy -c\` takes it (repeatable; local target only)`,
      parseContextOption,
    );
    command.showHelpAfterError(`Usage: ${fullName} ${command.usage()}; run \`${fullName} --help\` for the options`);
    command.action(async (...args: unknown[]) => {
      // Commander passes the arguments first, then the options and the command.
      const values = positional.map((spec, i) => [spec.name, args[i]] as const).filter(([, value]) => value !== undefined);
      const raw: Record<string, unknown> = { ...command.opts(), ...Object.fromEntries(values) };
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
