import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { bundleInputs, contentHash, inputsUnchanged } from './bundle-cache';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
/** Under the ignored `.cache/`, beside the bundles. */
export const ASSEMBLY_CACHE_DIR = join(PROJECT_ROOT, '.cache', 'synth');
/** Bumped when what an entry holds changes: older entries are then never read. */
const FORMAT = 1;
/** Files a synthesis reads that are not modules it loads. */
const READ_FILES = ['cdk.json', 'package-lock.json', 'tsconfig.json'];

/** What a synthesis produced besides its assembly directory. */
export interface SynthesisRecord {
  readonly stackName: string;
  /** The template's file, relative to the assembly directory. */
  readonly templateFile: string;
  /** The context keys the stack read (to refuse one it never reads, as a synthesis would). */
  readonly contextRead: readonly string[];
}

interface Manifest extends SynthesisRecord {
  readonly format: number;
  /** Project-relative (or absolute, outside the project) path -> sha256 of its content. */
  readonly inputs: Record<string, string>;
}

export interface AssemblyCacheRequest {
  readonly cacheDir: string;
  /** Everything but the input files that decides the assembly: the module and the synthesis options. */
  readonly recipe: unknown;
  /** The project root: input paths are stored relative to it. */
  readonly root: string;
}

/**
 * A synthesis whose every input still has the content it had: copied from the cache into `outdir`.
 * Undefined when there is no such entry (then synthesize, and `storeAssembly`).
 */
export function reuseAssembly(request: AssemblyCacheRequest, outdir: string): SynthesisRecord | undefined {
  const entryDir = join(request.cacheDir, recipeKey(request.recipe));
  const manifest = readManifest(join(entryDir, 'manifest.json'));
  if (manifest === undefined || !inputsUnchanged(manifest.inputs, request.root)) return undefined;
  try {
    cpSync(join(entryDir, 'assembly'), outdir, { recursive: true });
  } catch {
    // Another run replaced the entry meanwhile: synthesize instead.
    return undefined;
  }
  return { stackName: manifest.stackName, templateFile: manifest.templateFile, contextRead: manifest.contextRead };
}

/**
 * Keeps the assembly in `outdir` for the next run, with its inputs: `sourceFiles` (the modules the
 * synthesis ran: the project's own, as loaded), the files it reads, and every handler bundle's
 * inputs from its source map (its packages' files included). An assembly with an asset whose inputs
 * cannot be known (no source map) is not kept: a stale assembly is never served.
 */
export function storeAssembly(request: AssemblyCacheRequest, outdir: string, record: SynthesisRecord, sourceFiles: readonly string[]): boolean {
  const inputs = assemblyInputs(outdir, [...sourceFiles, ...READ_FILES.map((file) => join(request.root, file))]);
  if (inputs === undefined || sourceFiles.length === 0) return false;
  const entryDir = join(request.cacheDir, recipeKey(request.recipe));
  const manifest: Manifest = {
    format: FORMAT,
    ...record,
    inputs: Object.fromEntries(Object.entries(inputs).map(([path, hash]) => [inProject(path, request.root) ? relative(request.root, path) : path, hash])),
  };
  // Written aside and renamed into place: a concurrent run reads a whole entry or none.
  const temporary = `${entryDir}.${process.pid}.tmp`;
  rmSync(temporary, { recursive: true, force: true });
  try {
    mkdirSync(request.cacheDir, { recursive: true });
    cpSync(outdir, join(temporary, 'assembly'), { recursive: true });
    writeFileSync(join(temporary, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
    rmSync(entryDir, { recursive: true, force: true });
    renameSync(temporary, entryDir);
    return true;
  } catch {
    // The cache is an optimization: a failed write leaves the next run to synthesize again.
    rmSync(temporary, { recursive: true, force: true });
    return false;
  }
}

/** The project's own modules this process has loaded (what a synthesis in it ran), not its packages. */
export function loadedProjectFiles(root: string = PROJECT_ROOT): string[] {
  return Object.keys(require.cache).filter((path) => inProject(path, root) && !path.split(sep).includes('node_modules'));
}

/** Every input file with its content hash; undefined when one is missing or an asset's inputs are unknown. */
function assemblyInputs(outdir: string, files: readonly string[]): Record<string, string> | undefined {
  const inputs: Record<string, string> = {};
  for (const file of files) {
    const hash = contentHash(file);
    if (hash === undefined) return undefined;
    inputs[file] = hash;
  }
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!name.startsWith('asset.')) continue;
    if (!statSync(path).isDirectory()) return undefined;
    const bundle = bundleInputs(path);
    if (bundle === undefined) return undefined;
    Object.assign(inputs, bundle);
  }
  return inputs;
}

function recipeKey(recipe: unknown): string {
  return createHash('sha256').update(JSON.stringify({ format: FORMAT, recipe })).digest('hex').slice(0, 32);
}

function inProject(path: string, root: string): boolean {
  return path.startsWith(`${root}${sep}`);
}

function readManifest(path: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
    const valid =
      manifest.format === FORMAT &&
      typeof manifest.inputs === 'object' &&
      manifest.inputs !== null &&
      typeof manifest.stackName === 'string' &&
      typeof manifest.templateFile === 'string' &&
      Array.isArray(manifest.contextRead);
    return valid ? (manifest as Manifest) : undefined;
  } catch {
    return undefined;
  }
}
