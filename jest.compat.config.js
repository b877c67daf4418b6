/** Metaflow's own core suite through metaflow-cdk (`npm run test:compat`): the CI slice, too slow for `npm test`. */
const base = require('./jest.config');

module.exports = { ...base, testMatch: ['**/test/compat/metaflow-core.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
