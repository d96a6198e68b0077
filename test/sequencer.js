const Sequencer = require('@jest/test-sequencer').default;

/**
 * Two workers share the run. Jest orders by the durations of its last run when it has them (a fresh
 * clone has none, and falls back to file size): start the integration files first, the slow ones being
 * end-to-end runs that mostly wait on visibility timeouts and emulators, so the unit files fill the
 * other worker's gaps instead of queueing behind one long file at the end.
 */
class IntegrationFirst extends Sequencer {
  sort(tests) {
    const integration = (test) => (test.path.endsWith('.integ.test.ts') ? 0 : 1);
    return super.sort(tests).sort((a, b) => integration(a) - integration(b));
  }
}

module.exports = IntegrationFirst;
