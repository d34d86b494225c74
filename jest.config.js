// Suites against real servers: `npm run test:servers` (jest.servers.config.js, run by .ci/run), not `npm test`.
const SERVER_SUITES = ['dolphinscheduler-schema', 'minio-migration', 'redis-server'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  modulePathIgnorePatterns: ['<rootDir>/lib/'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...SERVER_SUITES.map((name) => `/test/${name}\\.test\\.ts$`)],
  transform: {
    // Type checking is done once by `tsc --noEmit` in `npm test`; jest only strips types (esbuild, see the file).
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js',
  },
  maxWorkers: 2,
  // Every environment is synthesized once per run and shared with the test files (test/util.ts objectsOf).
  globalSetup: '<rootDir>/test/support/global-synth.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
Object.defineProperty(module.exports, 'SERVER_SUITES', { value: SERVER_SUITES, enumerable: false });
