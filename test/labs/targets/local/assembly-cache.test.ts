import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reuseAssembly, storeAssembly, type SynthesisRecord } from '../../../../labs/targets/local/assembly-cache';

const RECORD: SynthesisRecord = { stackName: 'LabX', templateFile: 'LabX.template.json', contextRead: ['shardCount'] };

/** A project with a stack source, the files a synthesis reads, and an assembly with one bundled handler. */
function project() {
  const root = mkdtempSync(join(tmpdir(), 'assembly-cache-'));
  mkdirSync(join(root, 'lib'));
  mkdirSync(join(root, 'lambda'));
  for (const file of ['cdk.json', 'package-lock.json', 'tsconfig.json']) writeFileSync(join(root, file), '{}\n');
  writeFileSync(join(root, 'lib', 'stack.ts'), 'export const shards = 2;\n');
  writeFileSync(join(root, 'lambda', 'handler.ts'), 'export const handler = () => 1;\n');
  const request = { cacheDir: join(root, '.cache', 'synth'), recipe: { module: 'x', context: {} }, root };
  let run = 0;
  /** What a synthesis writes: the template and a bundle whose source map names its input. */
  const synthesize = (withMap = true): string => {
    const outdir = join(root, `out-${++run}`);
    mkdirSync(join(outdir, 'asset.abc'), { recursive: true });
    writeFileSync(join(outdir, RECORD.templateFile), JSON.stringify({ run }));
    writeFileSync(join(outdir, 'asset.abc', 'index.js'), 'exports.handler = () => 1;\n');
    if (withMap) writeFileSync(join(outdir, 'asset.abc', 'index.js.map'), JSON.stringify({ version: 3, sources: ['../../lambda/handler.ts'], mappings: '' }));
    return outdir;
  };
  const fresh = (): string => join(root, `fresh-${++run}`);
  return { root, request, synthesize, fresh, sources: [join(root, 'lib', 'stack.ts')] };
}

describe('the assembly cache', () => {
  let p: ReturnType<typeof project>;
  beforeEach(() => (p = project()));
  afterEach(() => rmSync(p.root, { recursive: true, force: true }));

  test('reuses the assembly when no input file changed, as a copy of what was synthesized', () => {
    // GIVEN
    expect(storeAssembly(p.request, p.synthesize(), RECORD, p.sources)).toBe(true);
    // WHEN
    const outdir = p.fresh();
    const reused = reuseAssembly(p.request, outdir);
    // THEN
    expect(reused).toEqual(RECORD);
    expect(JSON.parse(readFileSync(join(outdir, RECORD.templateFile), 'utf8'))).toEqual({ run: 1 });
    expect(readFileSync(join(outdir, 'asset.abc', 'index.js'), 'utf8')).toMatch(/handler/);
  });

  test.each([
    ['a source file the synthesis ran', join('lib', 'stack.ts')],
    ["a handler's input named by its bundle's source map", join('lambda', 'handler.ts')],
    ['a file the synthesis reads (the lockfile)', 'package-lock.json'],
  ])('synthesizes again when %s changed', (_what, file) => {
    storeAssembly(p.request, p.synthesize(), RECORD, p.sources);
    writeFileSync(join(p.root, file), '// changed\n');
    expect(reuseAssembly(p.request, p.fresh())).toBeUndefined();
  });

  test('synthesizes again for other options (another recipe)', () => {
    storeAssembly(p.request, p.synthesize(), RECORD, p.sources);
    expect(reuseAssembly({ ...p.request, recipe: { module: 'x', context: { shardCount: '4' } } }, p.fresh())).toBeUndefined();
  });

  test('keeps no assembly with an asset whose inputs cannot be known (no source map)', () => {
    expect(storeAssembly(p.request, p.synthesize(false), RECORD, p.sources)).toBe(false);
    expect(reuseAssembly(p.request, p.fresh())).toBeUndefined();
  });

  test('keeps no assembly when the modules the synthesis ran are unknown', () => {
    expect(storeAssembly(p.request, p.synthesize(), RECORD, [])).toBe(false);
  });
});
