// Jest runs the TypeScript sources as native ES modules (client-node >= 1.0 is ESM-only),
// transpiled by swc; type checking is `npm run typecheck`, not part of the test run.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The image tier runs on its own (npm run test:image; test/image/jest.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/image/'],
  globalSetup: '<rootDir>/test/harness/global-setup.mjs',
  globalTeardown: '<rootDir>/test/harness/global-teardown.mjs',
  testTimeout: 120000,
  // Integration suites share one control plane and one machine of 2 cores.
  maxWorkers: 2,
};
