import { runCli } from '../../../labs/cli';
import type { Target, TargetName } from '../../../labs/targets/target';

/** `labs stream size` is arithmetic: it must answer on either target without opening a stack. */
async function labs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; opened: TargetName[] }> {
  const run = { stdout: '', stderr: '', opened: [] as TargetName[] };
  const targetFor = (name: TargetName): Target => ({
    name,
    open: async () => {
      run.opened.push(name);
      throw new Error(`the ${name} target was opened`);
    },
  });
  const code = await runCli(['node', 'labs', ...args], {
    io: {
      stdout: { write: (s: string) => (run.stdout += s), isTTY: false },
      stderr: { write: (s: string) => (run.stderr += s), isTTY: false },
      env: {},
    },
    targetFor,
  });
  return { code, ...run };
}

describe('labs stream size', () => {
  test.each<TargetName>(['local', 'aws'])('answers the seed question on --target %s without opening a stack', async (target) => {
    // WHEN
    const run = await labs('stream', 'size', '--json', '--target', target);
    // THEN
    expect(run.code).toBe(0);
    expect(run.opened).toEqual([]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      module: 'stream',
      scenario: 'size',
      target,
      ok: true,
      devices: 100_000,
      intervalSeconds: 10,
      recordBytes: 1024,
      headroom: 1.5,
      shardsByRecords: 10,
      shardsByBytes: 10,
      minimumShards: 10,
      recommendedShards: 15,
    });
  });

  test('takes a fractional headroom and larger records', async () => {
    const run = await labs('stream', 'size', '--json', '--record-bytes', '3000', '--headroom', '1.25');
    expect(JSON.parse(run.stdout)).toMatchObject({ limitedBy: 'bytes', shardsByBytes: 29, minimumShards: 29, recommendedShards: 37 });
  });

  test.each([
    [['--headroom', '0.9'], /--headroom must be a number between 1 and 10 .*but '0.9' was provided/],
    [['--headroom', 'lots'], /--headroom must be a number between 1 and 10 .*but 'lots' was provided/],
    [['--record-bytes', '1048577'], /--record-bytes must be between 1 and 1048576, but 1048577 was provided/],
    [['--devices', '0'], /--devices must be between 1 and 10000000, but 0 was provided/],
  ])('fails with exit code 2 on %j', async (args, message) => {
    const run = await labs('stream', 'size', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/run `labs stream size --help` for the options/);
  });

  test('has its line in labs stream --help and its maxima in its own --help', async () => {
    expect((await labs('stream', '--help')).stdout).toMatch(/size \[options\] +shards a stream needs for N devices/);
    const help = (await labs('stream', 'size', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--devices <n> devices putting records \(at most 10,000,000\) \(default: 100000\)/);
    expect(help).toMatch(/--record-bytes <n> .*\(at most 1,048,576\) \(default: 1024\)/);
    expect(help).toMatch(/--headroom <factor> .*\(default: "1.5"\)/);
  });
});
