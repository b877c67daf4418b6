/**
 * Whole flows run with the real Metaflow in every task (`npm run test:real-flows`): every fixture flow and the README's
 * example against Metaflow's own local run, a 100-wide array-job foreach, and runs read back through the metadata
 * service. Seconds per task; tens of minutes on 2 cores.
 */
const base = require('./jest.config');
const { REAL_FLOW_TESTS } = require('./jest.long.js');

module.exports = { ...base, testMatch: REAL_FLOW_TESTS.map((file) => `**${file}`), testPathIgnorePatterns: ['/node_modules/'] };
