/**
 * COMPAT_TESTS: what `npm test` leaves to a command of its own (`npm run test:compat`, hours on 2 cores).
 * REAL_FLOW_TESTS: whole flows with the real Metaflow in every task, part of `npm test` (minutes on 2 cores) and also
 * runnable alone (`npm run test:real-flows`).
 */
const COMPAT_TESTS = ['/test/compat/metaflow-core.test.ts'];
const REAL_FLOW_TESTS = ['/test/real/run-local-flows.test.ts', '/test/real/run-local-wide-foreach.test.ts', '/test/real/run-local-inline-order.test.ts', '/test/real/metaflow-metadata-service.test.ts', '/test/real/run-local-deploy-time.test.ts'];

module.exports = { COMPAT_TESTS, REAL_FLOW_TESTS, LONG_TESTS: COMPAT_TESTS };
