#!/usr/bin/env node
import * as nodeModule from 'node:module';

// Node >= 22.1 keeps the compiled code of the CLI's modules on disk, so every later call starts faster.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Required after the cache is on (an import would be hoisted above it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runCli } = require('../lib/cli/program') as typeof import('../lib/cli/program');

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
