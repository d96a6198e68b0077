const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * A lab attaches to the cloud `labs up` announces in .cache/cloud.json. Tests run side by side (and
 * next to a student's own `labs up`): each test process looks for its cloud in a state file of its own,
 * so a lab under test never attaches to a cloud it did not ask for. Tests of `labs up` set their own.
 */
process.env.LABS_CLOUD_STATE ??= join(tmpdir(), `labs-test-${process.pid}`, 'cloud.json');
