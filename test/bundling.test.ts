import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../lib/app';
import { findModule } from '../lib/modules';

/**
 * The one unit test that bundles for real (esbuild, no Docker): an import esbuild cannot resolve, or a
 * syntax error in a handler, fails the suite here rather than at deploy time.
 */
describe('bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bundling-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('bundles the worker-pool handler into one minified file with a source map', () => {
    // GIVEN / WHEN
    const module = findModule('worker-pool');
    const assembly = buildApp({ bundling: true, modules: [module], outdir }).synth();
    const template = assembly.getStackByName(module.stackId).template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    // THEN
    expect(functions).toHaveLength(1);
    const assetHash = functions[0]!.Properties.Code!.S3Key!.replace(/\.zip$/, '');
    const bundle = join(outdir, `asset.${assetHash}`, 'index.js');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // Powertools, zod and the DynamoDB client are inside; a bundle this small would mean they were left out,
    // one this large that minification or tree-shaking stopped working.
    const sizeKiB = statSync(bundle).size / 1024;
    expect(sizeKiB).toBeGreaterThan(100);
    expect(sizeKiB).toBeLessThan(3 * 1024);
    // The bundle loads on its own, outside the project's node_modules, and exports the handler.
    const exported = execFileSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(bundle)}).handler)`], {
      cwd: outdir,
      env: {
        PATH: process.env['PATH'],
        AWS_REGION: 'us-east-1',
        LEDGER_TABLE_NAME: 'ledger',
        IDEMPOTENCY_TABLE_NAME: 'idempotency',
        MAX_TASK_WORK_MS: '350',
      },
      encoding: 'utf8',
    });
    expect(exported.trim()).toBe('function');
  }, 120_000);
});
