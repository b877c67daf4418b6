/** Test files that `npm test` leaves to commands of their own (package.json `test:compat`, `test:real-flows`). */
const COMPAT_TESTS = ['/test/compat/metaflow-core.test.ts'];
const REAL_FLOW_TESTS = ['/test/real/run-local-flows.test.ts', '/test/real/run-local-wide-foreach.test.ts', '/test/real/run-local-inline-order.test.ts', '/test/real/metaflow-metadata-service.test.ts'];

module.exports = { COMPAT_TESTS, REAL_FLOW_TESTS, LONG_TESTS: [...COMPAT_TESTS, ...REAL_FLOW_TESTS] };
