import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '../../../lib/app';
import { STACK_PREFIX_CONTEXT, stackIdFor, type LabModule } from '../../../lib/modules';
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
  // A handler none of whose input files changed is not bundled again (.cache/bundles).
  if (options.bundling !== false) installBundleCache();
  const outdir = mkdtempSync(join(ASSEMBLIES_DIR, `${module.name}-`));
  try {
    const context = {
      ...options.context,
      // The provisioner finds each function's bundle through this metadata (the CLI turns it on too).
      'aws:cdk:enable-asset-metadata': true,
      ...(options.stackPrefix ? { [STACK_PREFIX_CONTEXT]: options.stackPrefix } : {}),
    };
    const read = new Set<string>();
    // CDK's template validation (seconds per synthesis) is left to `cdk synth` and the tests.
    const app = buildApp({ modules: [module], context, outdir, bundling: options.bundling ?? true, validation: false, onContextRead: (key) => read.add(key) });
    refuseUnread(module, Object.keys(options.context ?? {}), read);
    const artifact = app.synth().getStackArtifact(stackIdFor(module, options.stackPrefix ?? ''));
    return {
      stackName: artifact.stackName,
      template: artifact.template as object,
      assemblyDir: outdir,
      templateFile: join(outdir, artifact.templateFile),
      close: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}
