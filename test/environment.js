const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest's Node environment, plus the CDK's template validator loaded by Node itself rather than by
 * each test file's module registry, so it lives as long as the worker: see
 * test/cloudformation-validate.js.
 */
class LabsEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__sharedCloudFormationValidate = require('./cloudformation-validate-shared.js');
  }
}

module.exports = LabsEnvironment;
