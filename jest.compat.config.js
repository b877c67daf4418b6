/** Metaflow's own core suite through metaflow-cdk (`npm run test:compat`): the CI slice, too slow for `npm test`. */
const base = require('./jest.config');
const { COMPAT_TESTS } = require('./jest.long.js');

module.exports = { ...base, testMatch: COMPAT_TESTS.map((file) => `**${file}`), testPathIgnorePatterns: ['/node_modules/'] };
