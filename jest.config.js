/** Type checking runs once in `npm test` (tsc --noEmit); jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  // Metaflow's core suite runs as its own command (`npm run test:compat`, jest.compat.config.js): hours on 2 cores.
  testPathIgnorePatterns: ['/node_modules/', '/test/compat/metaflow-core.test.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
