/** Type checking runs once in `npm test` (tsc --noEmit); jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  // Run as commands of their own, each too slow for `npm test` on 2 cores: Metaflow's core suite
  // (`npm run test:compat`) and the whole-flow runs of the real Metaflow (`npm run test:real-flows`).
  testPathIgnorePatterns: ['/node_modules/', ...require('./jest.long.js').LONG_TESTS],
  setupFilesAfterEnv: ['<rootDir>/test/support/cloudformation-validation.ts', '<rootDir>/test/support/close-launchers.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  // A worker holding aws-cdk-lib's module graph can take longer than jest's default 500 ms to exit on a loaded
  // 2-core machine; with 8 s no worker needed forcing, and no handle outlives its test file (close-launchers.ts).
  workerGracefulExitTimeout: 5000,
  workerIdleMemoryLimit: '1GB',
};
