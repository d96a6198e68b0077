import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
/** Under the ignored `.cache/`, beside the assemblies. */
export const BUNDLE_CACHE_DIR = join(PROJECT_ROOT, '.cache', 'bundles');
/** Bumped when what an entry holds changes: older entries are then never read. */
const FORMAT = 1;

/** What one cache entry records besides the bundle: every input file and the hash of its content. */
interface Manifest {
  readonly format: number;
  /** Project-relative path -> sha256 of the content the bundle was built from. */
  readonly inputs: Record<string, string>;
}

export interface CachedBundleRequest {
  readonly cacheDir: string;
  /** Everything but the input files that decides the bundle: see `bundleRecipe`. */
  readonly recipe: string;
  /** Where the bundle must end up (esbuild's output directory). */
  readonly outputDir: string;
  /** The project root: input paths are stored relative to it. */
  readonly root: string;
  /** Builds the bundle into `outputDir` (esbuild); false if it could not. */
  readonly build: () => boolean;
}

export type CachedBundleOutcome = 'reused' | 'built' | 'failed';

/**
 * A bundle from the cache when every file it was built from still has the content it had (entry,
 * the project's own imports and the packages', as the bundle's source map lists them), else a
 * fresh build that becomes the entry. A bundle without a source map is built every time: its
 * inputs cannot be known, and a stale bundle is never served.
 */
export function bundleThroughCache(request: CachedBundleRequest): CachedBundleOutcome {
  const entryDir = join(request.cacheDir, request.recipe);
  const manifest = readManifest(join(entryDir, 'manifest.json'));
  if (manifest !== undefined && inputsUnchanged(manifest.inputs, request.root)) {
    mkdirSync(request.outputDir, { recursive: true });
    cpSync(join(entryDir, 'bundle'), request.outputDir, { recursive: true });
    return 'reused';
  }
  if (!request.build()) return 'failed';
  const inputs = bundleInputs(request.outputDir);
  if (inputs !== undefined) store(entryDir, request, inputs);
  return 'built';
}

/** The recipe key: the bundler's options, its version and what resolves the packages (lockfile, tsconfig). */
export function bundleRecipe(parts: { readonly options: unknown; readonly esbuildVersion: string; readonly files: readonly string[] }): string {
  const hash = createHash('sha256').update(JSON.stringify({ format: FORMAT, options: parts.options, esbuild: parts.esbuildVersion }, plainValues()));
  for (const file of parts.files) hash.update(`\n${file}\n`).update(contentHash(file) ?? 'missing');
  return hash.digest('hex').slice(0, 32);
}

/**
 * The input files of the bundle in `outputDir`, from its source maps (`sources`, relative to the
 * map), each with its content hash; undefined when there is no map or a source is not a file.
 */
export function bundleInputs(outputDir: string): Record<string, string> | undefined {
  const maps = readdirSync(outputDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.map'));
  if (maps.length === 0) return undefined;
  const inputs: Record<string, string> = {};
  for (const map of maps) {
    let sources: unknown;
    try {
      sources = (JSON.parse(readFileSync(join(outputDir, map), 'utf8')) as { sources?: unknown }).sources;
    } catch {
      return undefined;
    }
    if (!Array.isArray(sources)) return undefined;
    for (const source of sources) {
      if (typeof source !== 'string') return undefined;
      const path = resolve(dirname(join(outputDir, map)), source);
      const hash = contentHash(path);
      if (hash === undefined) return undefined;
      inputs[path] = hash;
    }
  }
  return inputs;
}

function store(entryDir: string, request: CachedBundleRequest, inputs: Record<string, string>): void {
  const relativeInputs = Object.fromEntries(Object.entries(inputs).map(([path, hash]) => [relative(request.root, path), hash]));
  // Written aside and renamed into place: a concurrent `labs up` reads a whole entry or none.
  const temporary = `${entryDir}.${process.pid}.tmp`;
  rmSync(temporary, { recursive: true, force: true });
  try {
    cpSync(request.outputDir, join(temporary, 'bundle'), { recursive: true });
    const manifest: Manifest = { format: FORMAT, inputs: relativeInputs };
    writeFileSync(join(temporary, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
    rmSync(entryDir, { recursive: true, force: true });
    renameSync(temporary, entryDir);
  } catch {
    // The cache is an optimization: a failed write leaves the next run to build again.
    rmSync(temporary, { recursive: true, force: true });
  }
}

function readManifest(path: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
    return manifest.format === FORMAT && typeof manifest.inputs === 'object' && manifest.inputs !== null ? (manifest as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether every input file (project-relative or absolute path -> sha256) still has that content. */
export function inputsUnchanged(inputs: Readonly<Record<string, string>>, root: string): boolean {
  const entries = Object.entries(inputs);
  return entries.length > 0 && entries.every(([path, hash]) => contentHash(isAbsolute(path) ? path : join(root, path)) === hash);
}

export function contentHash(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** JSON of options objects: functions dropped (hooks are code, not data), repeated objects cut. */
function plainValues(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'function') return undefined;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[repeated]';
      seen.add(value);
    }
    return value;
  };
}

/** The slice of aws-cdk-lib's NodejsFunction bundler the cache wraps. */
interface NodejsBundling {
  readonly props: { readonly entry: string; readonly depsLockFilePath?: string; readonly tsconfig?: string };
  getLocalBundlingProvider(scope: unknown): { tryBundle(outputDir: string, options: unknown): boolean };
}

let installed = false;
const counts = { reused: 0, built: 0 };

/**
 * Puts the cache in front of NodejsFunction's local esbuild run, for the syntheses of this process
 * (the local cloud's). The template does not change: CDK still hashes the bundle it finds in the
 * output directory.
 */
export function installBundleCache(cacheDir: string = BUNDLE_CACHE_DIR): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Bundling } = require(join(dirname(require.resolve('aws-cdk-lib/package.json')), 'aws-lambda-nodejs', 'lib', 'bundling.js')) as {
    Bundling: { prototype: NodejsBundling };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuildVersion = String((require('esbuild/package.json') as { version: string }).version);
  const original = Bundling.prototype.getLocalBundlingProvider;
  Bundling.prototype.getLocalBundlingProvider = function (this: NodejsBundling, scope: unknown) {
    const local = original.call(this, scope);
    const files = [this.props.depsLockFilePath ?? join(PROJECT_ROOT, 'package-lock.json'), this.props.tsconfig ?? join(PROJECT_ROOT, 'tsconfig.json')];
    const recipe = bundleRecipe({ options: this.props, esbuildVersion, files });
    return {
      tryBundle: (outputDir: string, options: unknown): boolean => {
        const outcome = bundleThroughCache({ cacheDir, recipe, outputDir, root: PROJECT_ROOT, build: () => local.tryBundle(outputDir, options) });
        if (outcome !== 'failed') counts[outcome] += 1;
        return outcome !== 'failed';
      },
    };
  };
}

/** Bundles reused and built by this process so far. */
export function bundleCacheCounts(): { readonly reused: number; readonly built: number } {
  return { ...counts };
}
