/**
 * The quick tier for the edit-test loop (`npm run test:quick`): the unit tests, without the tiers that start real
 * software or whole apps. `npm test` runs everything.
 */
const base = require('./jest.config');

/** Left out of the quick tier, each for its run time. */
const SLOW_TESTS = [
  '/test/e2e/', // flows run end to end by the local engine
  '/test/real/', // the real Metaflow and its metadata service
  '/test/compat/', // Metaflow's own test suite through metaflow-cdk
  '/test/package/', // npm pack, install into the consumer app, synth, run
  '/test/security/', // cdk-nag and Control Tower guard rules over whole stacks
  '/test/docs/', // every README and docs/ code sample compiled
  '/test/lib/stacks/', // the reference app, synthesized whole
  '/test/bin/', // the reference app and the main job, synthesized whole
  '.security.test.ts', // flows under cdk-nag and the guard rules
  '/test/lib/runtime/metaflow/', // the Metaflow step protocol run through Python processes
  '/test/constructs/metadata-service/', // the metadata service stack (RDS, ECS) synthesized
];

module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/', ...SLOW_TESTS] };
