import type { ConcurrencyNeed, TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import type { Colors } from '../report/style';
import type { ModuleCostModel } from '../cost/path';

/** Which expectations of a lab failed; empty when the lab's verdict holds. */
export interface Verdict {
  readonly ok: boolean;
  readonly failures: readonly string[];
}

export function verdictOf(failures: readonly string[]): Verdict {
  return { ok: failures.length === 0, failures };
}

/** A finished scenario: its verdict, its observations (the JSON body) and their human rendering. */
export interface LabOutcome {
  readonly verdict: Verdict;
  readonly observations: Readonly<Record<string, unknown>>;
  render(colors: Colors): string;
}

/**
 * A command-line option of a scenario; integer options are parsed and checked by the CLI. Every count
 * states its maximum, shown in `--help` and enforced as a usage error: what the lab can really do on the
 * local cloud and within AWS limits, so a large number is refused in one line instead of exhausting memory.
 */
export type OptionSpec = CountOptionSpec | TextOptionSpec | FlagOptionSpec;

interface OptionSpecBase {
  /** Commander flags, e.g. `--tasks <n>`. */
  readonly flags: string;
  readonly description: string;
}

/** An integer between `min` (default 0) and `max`. */
export interface CountOptionSpec extends OptionSpecBase {
  readonly kind: 'count';
  readonly min?: number;
  readonly max: number;
  readonly defaultValue?: number;
}

export interface TextOptionSpec extends OptionSpecBase {
  readonly kind: 'text';
  readonly defaultValue?: string;
}

export interface FlagOptionSpec extends OptionSpecBase {
  readonly kind: 'flag';
  readonly defaultValue?: boolean;
}

/**
 * A scenario bound to its options, ready to open a session and run. `run` is a property, not a method,
 * so its session's output keys are checked strictly (a run reading more outputs than a module declares
 * does not fit that module).
 */
export interface PreparedRun<Output extends string = string> {
  /** CDK context the local target synthesizes the stack with. */
  readonly context?: Record<string, unknown>;
  /** Lambda executions the run drives at once, checked against the account's limit on AWS. */
  readonly requiredConcurrency?: (outputs: Readonly<Record<string, string>>) => ConcurrencyNeed | undefined;
  readonly run: (session: TargetSession<Output>, ui: Ui) => Promise<LabOutcome>;
}

/**
 * A run that reads no stack (arithmetic from documented limits and prices): the CLI opens no session, so
 * it answers at once on either target, deployed or not.
 */
export interface StacklessRun {
  readonly compute: () => LabOutcome;
}

/** What a scenario may know about the invocation beyond its own options. */
export interface ScenarioEnv {
  /** The per-student stack prefix ('' when none), for commands the scenario suggests. */
  readonly stackPrefix: string;
}

/** Raised for options that parse one by one but contradict each other (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A positional argument of a scenario command (`labs orders trace <orderId>`): shown in its usage and
 * `--help`, parsed by the CLI, and given to `prepare` under its name beside the options.
 */
export interface ArgumentSpec {
  /** The name in the usage line, and the key `prepare` reads the value under. */
  readonly name: string;
  readonly description: string;
  /** @default false */
  readonly required?: boolean;
  /** Checks and converts the text; a UsageError saying what is expected becomes a one-line usage error. */
  readonly parse: (raw: string) => unknown;
}

export interface Scenario<Output extends string = string> {
  /** Subcommand name; absent for a module's main scenario. */
  readonly command?: string;
  readonly summary: string;
  /** Positional arguments, in order. @default - none */
  readonly arguments?: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  /** Checks the combination of parsed options (throws UsageError) and binds them. */
  readonly prepare: (options: Readonly<Record<string, unknown>>, env: ScenarioEnv) => PreparedRun<Output> | StacklessRun;
}

/**
 * A module's lab: the main scenario (`labs <module>`), its subcommands, and what the module costs. The
 * registry entry (lib/modules.ts) names it; `Output` is the union of the stack's output keys.
 */
export interface ModuleLab<Output extends string = string> {
  readonly main: Scenario<Output>;
  readonly subcommands?: readonly Scenario<Output>[];
  readonly cost: ModuleCostModel;
}

/** Reads an option the CLI parsed; a missing one is a programming error, not a user error. */
export function numberOption(options: Readonly<Record<string, unknown>>, key: string): number {
  const value = options[key];
  if (typeof value !== 'number') throw new Error(`option ${key} was not parsed as a number`);
  return value;
}

export function optionalNumber(options: Readonly<Record<string, unknown>>, key: string): number | undefined {
  return options[key] === undefined ? undefined : numberOption(options, key);
}

export function optionalText(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' ? value : undefined;
}
