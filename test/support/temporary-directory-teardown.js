/** jest globalTeardown: removes the test run's temporary directory (temporary-directory-setup.js). */
const fs = require('fs');

module.exports = async () => {
  const dir = process.env.MFCDK_TEST_RUN_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
