#!/usr/bin/env node
/**
 * `npm run cli -- ARGS`: the compiled CLI (dist/, built by `npm install`/`npm run build`) when it is newer than every
 * source file, else the sources through tsx, so an edit is never run stale.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const compiled = path.join(root, 'dist', 'bin', 'metaflow-cdk.js');

function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['bin', 'constructs', 'lib', 'lambda']) visit(path.join(root, dir));
  return Math.max(newest, fs.statSync(path.join(root, 'index.ts')).mtimeMs);
}

const args = process.argv.slice(2);
let command = [compiled, ...args];
if (!fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < newestSource()) {
  process.stderr.write('note: dist/ is older than the sources; running them through tsx (`npm run build` for the fast CLI)\n');
  command = [require.resolve('tsx/cli'), path.join(root, 'bin', 'metaflow-cdk.ts'), ...args];
}
const result = spawnSync(process.execPath, command, { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
