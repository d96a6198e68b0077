/**
 * What the CDK imports as `@aws/cloudformation-validate` in tests (jest.config.js maps it here). The
 * real engine takes 10 to 15 s to build its schemas, and each test file gets a fresh module registry,
 * so every synthesizing file paid that again. test/environment.js loads the validator through Node's
 * own require, where it lives as long as the jest worker: one engine build per worker, the same
 * validation of every template.
 */
module.exports = globalThis.__sharedCloudFormationValidate;
