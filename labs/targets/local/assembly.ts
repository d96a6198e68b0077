import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '../../../lib/app';
import { COST_GUARD_NOW_CONTEXT } from '../../../lib/constructs/cost-guard';
import { STACK_PREFIX_CONTEXT, stackIdFor, type LabModule } from '../../../lib/modules';
import { ASSEMBLY_CACHE_DIR, loadedProjectFiles, reuseAssembly, storeAssembly, type AssemblyCacheRequest, type SynthesisRecord } from './assembly-cache';
import { installBundleCache } from './bundle-cache';

/** One module's stack, synthesized with its handlers bundled, as `cdk deploy` would deploy it. */
export interface SynthesizedStack {
  readonly stackName: string;
  /** The CloudFormation template (JSON). */
  readonly template: object;
  /** The cloud assembly directory; the template's asset paths are relative to it. */
  readonly assemblyDir: string;
  /** The template's file in the assembly directory, for processes that attach to a running cloud. */
  readonly templateFile: string;
  /** Copied from an earlier synthesis whose inputs are unchanged (`reuse`). */
  readonly reused: boolean;
  /** Removes the assembly directory. Safe to call twice. */
  close(): void;
}

export interface SynthesizeOptions {
  /** CDK context, as `-c key=value` would give it. */
  readonly context?: Record<string, unknown>;
  /** Per-student stack prefix. */
  readonly stackPrefix?: string;
  /** @default true */
  readonly bundling?: boolean;
  /**
   * Copy the assembly of an earlier synthesis with the same options when none of its input files
   * changed (.cache/synth), instead of synthesizing again.
   * @default false
   */
  readonly reuse?: boolean;
}

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
/**
 * Assemblies go inside the project (under the ignored `.cache/`), not the system temp directory: a
 * bundle that leaves a package external finds it through node_modules upward from its own folder.
 */
const ASSEMBLIES_DIR = join(PROJECT_ROOT, '.cache', 'assemblies');

/**
 * A context key the stack never reads would be ignored without a word (`-c shardcount=10` for
 * `shardCount`): refuse it, naming the keys the stack does read.
 */
function refuseUnread(module: LabModule, given: readonly string[], read: ReadonlySet<string>): void {
  const unread = given.filter((key) => !read.has(key));
  if (unread.length > 0) {
    const known = [...read].filter((key) => key !== STACK_PREFIX_CONTEXT).sort();
    throw new Error(`${module.stackId} reads no context value ${unread.map((k) => `'${k}'`).join(', ')}: it reads ${known.join(', ')}`);
  }
}

/** Synthesizes `module`'s stack in-process, into a fresh directory that `close()` removes. */
export function synthesizeModule(module: LabModule, options: SynthesizeOptions = {}): SynthesizedStack {
  mkdirSync(ASSEMBLIES_DIR, { recursive: true });
  const bundling = options.bundling ?? true;
  const outdir = mkdtempSync(join(ASSEMBLIES_DIR, `${module.name}-`));
  const given = Object.keys(options.context ?? {});
  const cache: AssemblyCacheRequest | undefined =
    options.reuse === true
      ? { cacheDir: ASSEMBLY_CACHE_DIR, root: PROJECT_ROOT, recipe: { module: module.name, context: options.context ?? {}, stackPrefix: options.stackPrefix ?? '', bundling } }
      : undefined;
  try {
    const reused = cache === undefined ? undefined : reuseAssembly(cache, outdir);
    if (reused !== undefined) {
      refuseUnread(module, given, new Set(reused.contextRead));
      return synthesized(outdir, reused, JSON.parse(readFileSync(join(outdir, reused.templateFile), 'utf8')) as object, true);
    }
    // A handler none of whose input files changed is not bundled again (.cache/bundles).
    if (bundling) installBundleCache();
    const context = {
      ...options.context,
      // The provisioner finds each function's bundle through this metadata (the CLI turns it on too).
      'aws:cdk:enable-asset-metadata': true,
      ...(options.stackPrefix ? { [STACK_PREFIX_CONTEXT]: options.stackPrefix } : {}),
    };
    const read = new Set<string>();
    // CDK's template validation (seconds per synthesis) is left to `cdk synth` and the tests.
    const app = buildApp({ modules: [module], context, outdir, bundling, validation: false, onContextRead: (key) => read.add(key) });
    refuseUnread(module, given, read);
    const artifact = app.synth().getStackArtifact(stackIdFor(module, options.stackPrefix ?? ''));
    const record: SynthesisRecord = { stackName: artifact.stackName, templateFile: artifact.templateFile, contextRead: [...read] };
    // The one input that is not a file: the cost guard's deadline is computed from the clock unless
    // the context gives its now.
    const readTheClock = read.has(COST_GUARD_NOW_CONTEXT) && options.context?.[COST_GUARD_NOW_CONTEXT] === undefined;
    if (cache !== undefined && !readTheClock) storeAssembly(cache, outdir, record, loadedProjectFiles());
    return synthesized(outdir, record, artifact.template as object, false);
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

function synthesized(outdir: string, record: SynthesisRecord, template: object, reused: boolean): SynthesizedStack {
  return {
    stackName: record.stackName,
    template,
    assemblyDir: outdir,
    templateFile: join(outdir, record.templateFile),
    reused,
    close: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
