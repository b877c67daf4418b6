/** Type checking runs once in `npm test` (tsc --noEmit); jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  // Metaflow's core suite is a command of its own (`npm run test:compat`), too slow for `npm test` on 2 cores.
  testPathIgnorePatterns: ['/node_modules/', ...require('./jest.long.js').LONG_TESTS],
  globalSetup: '<rootDir>/test/support/temporary-directory-setup.js',
  globalTeardown: '<rootDir>/test/support/temporary-directory-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/test/support/cloudformation-validation.ts', '<rootDir>/test/support/close-launchers.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  // A worker holding aws-cdk-lib's module graph can take longer than jest's default 500 ms to exit on a loaded
  // 2-core machine; with 8 s no worker needed forcing, and no handle outlives its test file (close-launchers.ts).
  workerGracefulExitTimeout: 5000,
  workerIdleMemoryLimit: '1GB',
};
