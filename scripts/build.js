#!/usr/bin/env node
/**
 * The package build (`npm run build`, run by `prepare` and `prepack`): compiles the TypeScript to dist/ with
 * declarations, then bundles the Lambda handlers with esbuild into dist/lambda-bundles/, so an installed package
 * needs neither esbuild nor a bundling step at its consumer's synth.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const { LAMBDA_BUNDLES, PREBUILT_BUNDLES_DIR, writeLambdaBundle } = require(path.join(dist, 'constructs', 'flow', 'coordination-bundle.js'));
for (const bundle of LAMBDA_BUNDLES) writeLambdaBundle(bundle, path.join(dist, PREBUILT_BUNDLES_DIR, bundle), root);
fs.chmodSync(path.join(dist, 'bin', 'metaflow-cdk.js'), 0o755);
