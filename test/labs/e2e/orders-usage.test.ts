import { labs } from './cli-process';

// Usage errors are answered before any synth or emulator: exit 2 and one line saying what to do.
test.each([
  [['--orders', '1001'], /--orders must be between 1 and 1000, but 1001 was provided/],
  [['--payment-failure-rate', '0.9'], /^error: --payment-failure-rate must be a number from 0 to 0\.5 \(a share of provider calls, e\.g\. 0\.2\), but '0\.9' was given$/m],
])('labs orders %j is a usage error', async (args, message) => {
  const run = await labs('orders', ...args);
  expect([run.code, run.stdout]).toEqual([2, '']);
  expect(run.stderr).toMatch(message);
}, 60_000);
