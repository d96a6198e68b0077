/**
 * Two projects: `unit` (fast: no bundling, no emulators) and `integration` (real emulators, real
 * handler bundles). `npm test` runs both.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integ\\.test\\.ts$'],
      transform,
      setupFiles: ['<rootDir>/test/setup-env.js'],
      snapshotSerializers: ['<rootDir>/test/asset-hash-serializer.js'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.integ.test.ts'],
      transform,
      setupFiles: ['<rootDir>/test/setup-env.js'],
    },
  ],
};
