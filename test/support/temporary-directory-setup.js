/**
 * jest globalSetup: a test run gets a temporary directory of its own as TMPDIR, which the workers and every process
 * they start inherit; globalTeardown removes it, so a test run leaves no temporary files behind.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-test-run-'));
  process.env.MFCDK_TEST_RUN_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
