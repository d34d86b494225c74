// The suites that run against real servers (`npm run test:servers`; .ci/run installs the servers and runs it):
// a throwaway PostgreSQL (DolphinScheduler schema step), MinIO server + mc (lake migration, volume copies) and
// redis-server (the generated redis.conf). Each starts its own server on 127.0.0.1 and stops it; without the
// server a suite skips, printing why (or fails, where .ci/run says it must run: REDIS_SERVER_REQUIRED=1).
// They are not in `npm test` (jest.config.js ignores them): a minute of server start-ups, schema loads and
// copies, not unit tests, and npm test must stay under 60 s on a 2-core machine.
const base = require('./jest.config');

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: base.SERVER_SUITES.map((name) => `<rootDir>/test/${name}.test.ts`),
  // No shared synth: only redis-server.test.ts reads one environment (objectsOf synthesizes it in the suite).
  globalSetup: undefined,
  globalTeardown: undefined,
};
