const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest's Node environment, plus the CDK's template validator loaded by Node itself rather than by
 * each test file's module registry, so it lives as long as the worker: see
 * test/cloudformation-validate.js.
 */
class LabsEnvironment extends TestEnvironment {
  constructor(config, context) {
    // The AWS SDK is pinned by the lockfile; its notice that releases after January 2027 need Node.js 22
    // would otherwise repeat in every test file's output and in every process a test starts. Set on the
    // worker's own environment, before the test's copy of it is made: a child spawned without `env`
    // gets the worker's, not the copy a test file sees as `process.env`.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    super(config, context);
    this.global.__sharedCloudFormationValidate = require('./cloudformation-validate-shared.js');
  }
}

module.exports = LabsEnvironment;
