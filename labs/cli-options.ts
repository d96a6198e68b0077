import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkStackPrefix, type LabModule } from '../lib/modules';
import { contextPair } from './context-option';
import { UsageError, type OptionSpec, type Scenario } from './scenarios/scenario';
import type { TargetName } from './targets/target';

/**
 * The options of the lab commands: how commander parses them (counts with their limits, the stack
 * prefix, CDK context), the options every lab command shares, and the CDK context a run synthesizes with.
 */
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

export function toOption(spec: OptionSpec): Option {
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

export function addSharedOptions(command: Command): Command {
  return command
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['local', 'aws']).default('local'))
    .option('--json', 'print one JSON object on stdout (progress and logs go to stderr)')
    .option('--verbose', 'show handler logs and error details')
    .option('--stack-prefix <prefix>', 'per-student stack prefix, as deployed with -c stackPrefix=... (default: none)', parseStackPrefix)
    .option('--region <region>', 'AWS region (--target aws; default: your AWS configuration)')
    .option('--profile <profile>', 'AWS profile (--target aws)');
}

/** `-c key=value` for commander: a usage error (exit code 2) when malformed. */
export function parseContextOption(raw: string, previous: Record<string, string> | undefined): Record<string, string> {
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

export function sharedOptions(raw: Record<string, unknown>): SharedOptions {
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

