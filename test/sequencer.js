const Sequencer = require('@jest/test-sequencer').default;

/**
 * Two workers share the run, which ends when the later of them does: the longest files go first
 * (longest processing time first), so the short ones fill the other worker's gaps at the end instead
 * of one long file starting last. A file's length is its duration in Jest's last run here; a fresh
 * clone has none, so the slow files' durations (seconds, measured on a 2-core machine) are written
 * below. Any other integration file goes before the unit files, which are short.
 */
const EXPECTED_SECONDS = {
  'test/labs/e2e/orders-faults.integ.test.ts': 85,
  'test/labs/e2e/stream-lessons.integ.test.ts': 70,
  'test/bench/smoke.integ.test.ts': 70,
  'test/labs/e2e/labs-all.integ.test.ts': 65,
  'test/labs/targets/local/emulators.integ.test.ts': 65,
  'test/labs/e2e/labs-cli.integ.test.ts': 55,
  'test/labs/e2e/orders.integ.test.ts': 45,
  'test/labs/e2e/delivery.integ.test.ts': 40,
  'test/integration/worker-pool.integ.test.ts': 40,
  'test/labs/cloud/local-cloud.integ.test.ts': 35,
  'test/labs/e2e/stream-scaling.integ.test.ts': 25,
  'test/labs/e2e/cdc.integ.test.ts': 25,
  'test/labs/e2e/orders-duplicates.integ.test.ts': 25,
  'test/integration/stream.integ.test.ts': 25,
  'test/labs/targets/local/provisioner.integ.test.ts': 20,
};
const OTHER_INTEGRATION_SECONDS = 15;
const OTHER_UNIT_SECONDS = 5;

class LongestFirst extends Sequencer {
  sort(tests) {
    const root = (test) => test.context.config.rootDir;
    const expected = (test) => {
      const measured = this.time(test);
      if (measured !== undefined) return measured / 1000;
      const written = EXPECTED_SECONDS[test.path.slice(root(test).length + 1).split('\\').join('/')];
      if (written !== undefined) return written;
      return test.path.endsWith('.integ.test.ts') ? OTHER_INTEGRATION_SECONDS : OTHER_UNIT_SECONDS;
    };
    const seconds = new Map(tests.map((test) => [test, expected(test)]));
    return [...tests].sort((a, b) => seconds.get(b) - seconds.get(a));
  }
}

module.exports = LongestFirst;
