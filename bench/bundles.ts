import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { buildApp } from '../lib/app';
import { installBundleCache } from '../labs/targets/local/bundle-cache';
import type { LabModule } from '../lib/modules';
import { contributorsByPackage, type Contributor } from './source-map';
import { median, sample } from './stats';

/**
 * Each Lambda function's bundle as `cdk deploy` would upload it (the app synthesized with bundling):
 * its size, and how long a fresh Node.js process takes to load it (the module-scope part of a cold
 * start). Target: 300 KB per bundle.
 */

export const MAX_BUNDLE_BYTES = 300 * 1024;

export interface BundleFigure {
  /** Construct path of the function (`LabStream/PartitionedStream/ProcessorHandler`). */
  readonly function: string;
  readonly bytes: number;
  /** Median time to `require` the bundle in a fresh process, with the function's environment. */
  readonly importMs: number;
  readonly meets: boolean;
}

/** A synthesized function: where its bundle is and the environment its template gives it. */
export interface SynthesizedFunction {
  readonly function: string;
  readonly bundlePath: string;
  readonly environment: Readonly<Record<string, string>>;
}

interface TemplateResource {
  readonly Type: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly Properties?: { readonly Handler?: string; readonly Environment?: { readonly Variables?: Readonly<Record<string, unknown>> } };
}

/**
 * A value the template computes at deploy time (Ref, Fn::GetAtt...) stands in as '1': a valid
 * table name, topic ARN placeholder or integer for the handler's module-scope reads, none of which
 * dial anything at load.
 */
const DEPLOY_TIME_VALUE = '1';

/** `<stack name>/<logical id>` of every Lambda function under `root` -> its construct path. */
export function functionPaths(root: IConstruct): Map<string, string> {
  const paths = new Map<string, string>();
  for (const construct of root.node.findAll()) {
    if (!(construct instanceof CfnFunction)) continue;
    const stack = Stack.of(construct);
    paths.set(`${stack.stackName}/${stack.resolve(construct.logicalId) as string}`, construct.node.path.replace(/\/Resource$/, ''));
  }
  return paths;
}

/** The functions of a cloud assembly's stacks, read from their templates and asset metadata. */
export function functionsOf(
  stacks: readonly { stackName: string; template: unknown; assembly: { directory: string } }[],
  paths: ReadonlyMap<string, string> = new Map(),
): SynthesizedFunction[] {
  const functions: SynthesizedFunction[] = [];
  for (const stack of stacks) {
    const resources = (stack.template as { Resources?: Record<string, TemplateResource> }).Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
      const handlerFile = (resource.Properties?.Handler ?? 'index.handler').split('.')[0] ?? 'index';
      const variables = resource.Properties?.Environment?.Variables ?? {};
      functions.push({
        function: paths.get(`${stack.stackName}/${logicalId}`) ?? `${stack.stackName}/${logicalId}`,
        bundlePath: join(stack.assembly.directory, assetPath, `${handlerFile}.js`),
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : DEPLOY_TIME_VALUE])),
      });
    }
  }
  return functions;
}

const run = promisify(execFile);

/** Loads the bundle in a fresh process and reports how long `require` took, in ms. */
const IMPORT_PROBE =
  "const {performance}=require('node:perf_hooks');const t=performance.now();require(process.argv[1]);process.stdout.write(String(performance.now()-t))";

export async function importMs(fn: SynthesizedFunction): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', IMPORT_PROBE, fn.bundlePath], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: fn.function,
      ...fn.environment,
      // Lambda's log format would be JSON on stdout; nothing is logged at load, this keeps it so.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  const value = Number(stdout);
  if (!Number.isFinite(value)) throw new Error(`loading ${fn.bundlePath} printed '${stdout}' instead of a duration`);
  return value;
}

export interface SynthesizedApp {
  readonly functions: readonly SynthesizedFunction[];
  /** Removes the cloud assembly. */
  close(): void;
}

/**
 * Inside the project (under the ignored `.cache/`), as the local cloud does: a bundle leaves the AWS
 * SDK external, and loads the project's pinned SDK from node_modules upward from its own folder, as it
 * loads the runtime's SDK in Lambda. From the system temp directory it would not load at all.
 */
const ASSEMBLIES_DIR = join(resolve(__dirname, '..'), '.cache', 'assemblies');

/**
 * Synthesizes the app with bundling into a temporary directory. A bundle none of whose inputs changed
 * comes from the local cloud's cache (.cache/bundles), byte for byte what esbuild would build again:
 * this section measures the bundles, not the bundling. Template validation is the synth section's.
 */
export function synthesizeBundles(modules?: readonly LabModule[]): SynthesizedApp {
  mkdirSync(ASSEMBLIES_DIR, { recursive: true });
  installBundleCache();
  const outdir = mkdtempSync(join(ASSEMBLIES_DIR, 'bench-bundles-'));
  try {
    const app = buildApp({ outdir, bundling: true, validation: false, context: { 'aws:cdk:enable-asset-metadata': true }, ...(modules ? { modules } : {}) });
    const assembly = app.synth();
    return { functions: functionsOf(assembly.stacks, functionPaths(app)), close: () => rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

export async function measureBundles(app: SynthesizedApp, runs: number): Promise<BundleFigure[]> {
  const figures: BundleFigure[] = [];
  for (const fn of app.functions) {
    const bytes = statSync(fn.bundlePath).size;
    // Untimed first load: the timed ones then compare code loading, not a cold disk cache.
    await importMs(fn);
    const times = await sample(runs, () => importMs(fn));
    figures.push({ function: fn.function, bytes, importMs: Math.round(median(times) * 10) / 10, meets: bytes <= MAX_BUNDLE_BYTES });
  }
  return figures;
}

export interface BundleBreakdown {
  readonly function: string;
  readonly bytes: number;
  /** The largest packages in the bundle, by bytes of generated code (from its source map). */
  readonly contributors: readonly Contributor[];
}

/** Why a bundle is big: its bytes per package, read from the source map that ships beside it. */
export function breakdown(fn: SynthesizedFunction, top = 8): BundleBreakdown {
  const generated = readFileSync(fn.bundlePath, 'utf8');
  const map = JSON.parse(readFileSync(`${fn.bundlePath}.map`, 'utf8')) as { sources: string[]; mappings: string };
  return { function: fn.function, bytes: Buffer.byteLength(generated), contributors: contributorsByPackage(generated, map).slice(0, top) };
}
