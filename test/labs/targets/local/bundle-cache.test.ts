import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleInputs, bundleRecipe, bundleThroughCache } from '../../../../labs/targets/local/bundle-cache';

/** A project with a handler and the module it imports, and a bundler that counts its runs. */
function project() {
  const root = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
  mkdirSync(join(root, 'lambda'), { recursive: true });
  writeFileSync(join(root, 'lambda', 'handler.ts'), 'export const handler = () => 1;\n');
  writeFileSync(join(root, 'lambda', 'shared.ts'), 'export const shared = 1;\n');
  const cacheDir = join(root, '.cache', 'bundles');
  let builds = 0;
  const bundle = (outputDir: string, sources = ['handler.ts', 'shared.ts']) =>
    bundleThroughCache({
      cacheDir,
      recipe: 'recipe',
      outputDir,
      root,
      build: () => {
        builds += 1;
        mkdirSync(outputDir, { recursive: true });
        const code = sources.map((source) => readFileSync(join(root, 'lambda', source), 'utf8')).join('');
        writeFileSync(join(outputDir, 'index.js'), `// build ${builds}\n${code}`);
        // As esbuild writes it: sources relative to the map.
        writeFileSync(join(outputDir, 'index.js.map'), JSON.stringify({ version: 3, sources: sources.map((s) => join('..', 'lambda', s)), mappings: '' }));
        return true;
      },
    });
  return { root, bundle, builds: () => builds, out: (name: string) => join(root, name) };
}

describe('the bundle cache', () => {
  let p: ReturnType<typeof project>;
  beforeEach(() => (p = project()));
  afterEach(() => rmSync(p.root, { recursive: true, force: true }));

  test('reuses the bundle when no input file changed, as a copy of what was built', () => {
    expect(p.bundle(p.out('one'))).toBe('built');
    expect(p.bundle(p.out('two'))).toBe('reused');
    expect(p.builds()).toBe(1);
    expect(readFileSync(join(p.out('two'), 'index.js'), 'utf8')).toBe('// build 1\nexport const handler = () => 1;\nexport const shared = 1;\n');
    // Changing the served copy does not change the entry.
    writeFileSync(join(p.out('two'), 'index.js'), 'tampered');
    expect(p.bundle(p.out('three'))).toBe('reused');
    expect(readFileSync(join(p.out('three'), 'index.js'), 'utf8')).toBe('// build 1\nexport const handler = () => 1;\nexport const shared = 1;\n');
  });

  test('rebuilds when the handler or a module it imports changed, or an input is gone', () => {
    p.bundle(p.out('one'));
    writeFileSync(join(p.root, 'lambda', 'shared.ts'), 'export const shared = 2;\n');
    expect(p.bundle(p.out('two'))).toBe('built');
    expect(readFileSync(join(p.out('two'), 'index.js'), 'utf8')).toBe('// build 2\nexport const handler = () => 1;\nexport const shared = 2;\n');
    expect(p.bundle(p.out('three'))).toBe('reused');
    writeFileSync(join(p.root, 'lambda', 'handler.ts'), 'export const handler = () => 2;\n');
    expect(p.bundle(p.out('four'))).toBe('built');
    rmSync(join(p.root, 'lambda', 'shared.ts'));
    expect(p.bundle(p.out('five'), ['handler.ts'])).toBe('built');
    expect(p.builds()).toBe(4);
  });

  test('never stores a bundle whose inputs it cannot know (no source map)', () => {
    const out = p.out('one');
    mkdirSync(out);
    writeFileSync(join(out, 'index.js'), '');
    expect(bundleInputs(out)).toBeUndefined();
  });

  test('keys the recipe by the options and by the lockfile content', () => {
    const lockfile = join(p.root, 'package-lock.json');
    writeFileSync(lockfile, '{"v":1}');
    const recipe = (options: unknown) => bundleRecipe({ options, esbuildVersion: '0.28.2', files: [lockfile] });
    const first = recipe({ minify: true, hook: () => 1 });
    expect(recipe({ minify: true, hook: () => 2 })).toBe(first);
    expect(recipe({ minify: false })).not.toBe(first);
    expect(bundleRecipe({ options: { minify: true }, esbuildVersion: '0.28.3', files: [lockfile] })).not.toBe(first);
    writeFileSync(lockfile, '{"v":2}');
    expect(recipe({ minify: true })).not.toBe(first);
  });
});
