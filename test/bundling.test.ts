import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '../lib/app';
import { findModule } from '../lib/modules';

/** Inside the project (ignored), so the bundle finds the project's node_modules as the local cloud's do. */
const ASSEMBLIES_DIR = join(resolve(__dirname, '..'), '.cache', 'assemblies');

/**
 * The one unit test that bundles for real (esbuild, no Docker): an import esbuild cannot resolve, or a
 * syntax error in a handler, fails the suite here rather than at deploy time.
 */
describe('bundling', () => {
  mkdirSync(ASSEMBLIES_DIR, { recursive: true });
  const outdir = mkdtempSync(join(ASSEMBLIES_DIR, 'bundling-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  let bundle: string;

  beforeAll(() => {
    const module = findModule('worker-pool');
    const assembly = buildApp({ bundling: true, modules: [module], outdir }).synth();
    const template = assembly.getStackByName(module.stackId).template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    const assetHash = functions[0]!.Properties.Code!.S3Key!.replace(/\.zip$/, '');
    bundle = join(outdir, `asset.${assetHash}`, 'index.js');
  }, 120_000);

  test('bundles the worker-pool handler into one minified file with a source map, under 300 KB', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // Powertools and zod are inside; a bundle this small would mean they were left out too.
    const sizeKiB = statSync(bundle).size / 1024;
    expect(sizeKiB).toBeGreaterThan(50);
    expect(sizeKiB).toBeLessThanOrEqual(300);
  });

  test('leaves the AWS SDK to the runtime and takes one zod locale only', () => {
    const sources = (JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] }).sources;
    expect(sources.filter((source) => /node_modules\/(@aws-sdk|@smithy)\//.test(source))).toEqual([]);
    expect(sources.filter((source) => /node_modules\/zod\/.*locales\//.test(source))).toHaveLength(1);
    expect(readFileSync(bundle, 'utf8')).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
  });

  test('loads with the SDK from the project node_modules and exports the handler', () => {
    const exported = execFileSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(bundle)}).handler)`], {
      cwd: outdir,
      env: {
        PATH: process.env['PATH'],
        AWS_REGION: 'us-east-1',
        LEDGER_TABLE_NAME: 'ledger',
        MAX_TASK_WORK_MS: '350',
      },
      encoding: 'utf8',
    });
    expect(exported.trim()).toBe('function');
  });
});
