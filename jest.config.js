/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  modulePathIgnorePatterns: ['<rootDir>/lib/'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  maxWorkers: 2,
  // Every environment is synthesized once per run and shared with the test files (test/util.ts objectsOf).
  globalSetup: '<rootDir>/test/support/global-synth.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
