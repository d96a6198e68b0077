import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledLauncher } from '../../../../labs/targets/local/emulators/dynamodb';

/** The launcher that binds DynamoDB Local to loopback is compiled once per version of its source. */

const javac = 'javac';
const work = mkdtempSync(join(tmpdir(), 'labs-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const source = (body: string): string => {
  const path = join(work, 'Probe.java');
  writeFileSync(path, `public class Probe { public static void main(String[] args) { ${body} } }\n`);
  return path;
};

test('compiles on first use, reuses the class while the source is unchanged, compiles a changed source apart', async () => {
  const cache = join(work, 'cache');
  const first = await compiledLauncher(javac, '', source('System.out.println(1);'), cache);
  const builtAt = statSync(join(first, 'Probe.class')).mtimeMs;
  expect(await compiledLauncher(javac, '', source('System.out.println(1);'), cache)).toBe(first);
  expect(statSync(join(first, 'Probe.class')).mtimeMs).toBe(builtAt);
  const changed = await compiledLauncher(javac, '', source('System.out.println(2);'), cache);
  expect(changed).not.toBe(first);
  // No half-built folder is left behind.
  expect(readdirSync(cache).filter((name) => name.startsWith('.')).length).toBe(0);
}, 60_000);

test('two runs compiling at once both get the one class', async () => {
  const cache = join(work, 'racing');
  const path = source('System.out.println(3);');
  const [a, b] = await Promise.all([compiledLauncher(javac, '', path, cache), compiledLauncher(javac, '', path, cache)]);
  expect(a).toBe(b);
  expect(readdirSync(cache)).toEqual([a.split('/').pop()]);
}, 60_000);

test('a source that does not compile fails with the compiler output and leaves nothing', async () => {
  const cache = join(work, 'broken');
  await expect(compiledLauncher(javac, '', source('not java'), cache)).rejects.toThrow(/Probe\.java/);
  expect(readdirSync(cache)).toEqual([]);
}, 60_000);
