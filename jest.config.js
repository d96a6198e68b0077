/**
 * Two projects: `unit` (fast: no bundling, no emulators) and `integration` (real emulators, real
 * handler bundles). `npm test` runs both.
 */
/** The registry imports each module's lab on demand, by the `.js` name Node's ESM rules ask for. */
const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  // One template validator per worker instead of one per test file (test/cloudformation-validate.js).
  '^@aws/cloudformation-validate$': '<rootDir>/test/cloudformation-validate.js',
};

const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration files mostly wait (visibility timeouts, emulators): two workers on two cores overlap
  // that waiting with the other files' work. Jest's default here is one.
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: '<rootDir>/test/environment.js',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integ\\.test\\.ts$'],
      transform,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/setup-env.js'],
      snapshotSerializers: ['<rootDir>/test/asset-hash-serializer.js'],
    },
    {
      displayName: 'integration',
      testEnvironment: '<rootDir>/test/environment.js',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.integ.test.ts'],
      transform,
      moduleNameMapper,
      setupFiles: ['<rootDir>/test/setup-env.js'],
    },
  ],
};
