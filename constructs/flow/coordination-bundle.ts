import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Lambda bundle of the coordination functions: `lambda/coordination.ts` and what it imports. */
export const COORDINATION_BUNDLE = 'coordination';
/** The Lambda bundle of the metadata service's schema migration custom resource: `lambda/metadata-migration.ts`. */
export const METADATA_MIGRATION_BUNDLE = 'metadata-migration';
/** Every Lambda bundle the package ships prebuilt. */
export const LAMBDA_BUNDLES = [COORDINATION_BUNDLE, METADATA_MIGRATION_BUNDLE] as const;

/** The directory above `constructs/`: the repository root when running from sources, `dist/` once compiled. */
const CODE_ROOT = path.resolve(__dirname, '..', '..');

/** Folder of the bundles built with the package (`npm run build`): `dist/lambda-bundles/<bundle>/index.js`. */
export const PREBUILT_BUNDLES_DIR = 'lambda-bundles';

/** True when this module runs as TypeScript (tests, tsx) rather than from the compiled package. */
function runningFromSource(): boolean {
  return __filename.endsWith('.ts');
}

/**
 * Writes the bundle of `lambda/<name>.ts` to `<outDir>/index.js` with esbuild: CommonJS for the Lambda Node runtime,
 * minified, the SDK v3 left to the runtime. The build (`scripts/build.js`) and source checkouts both come here.
 */
export function writeLambdaBundle(name: string, outDir: string, sourceRoot: string = CODE_ROOT): string {
  const entry = path.join(sourceRoot, 'lambda', `${name}.ts`);
  const outfile = path.join(outDir, 'index.js');
  // The esbuild binary in a child process: its JS API refuses to run inside jest's sandboxed module registry.
  const esbuild = require.resolve('esbuild/bin/esbuild', { paths: [sourceRoot] });
  const args = [entry, '--bundle', '--platform=node', '--target=node22', '--format=cjs', '--minify', '--external:@aws-sdk/*', `--outfile=${outfile}`, '--log-level=warning'];
  const result = spawnSync(esbuild, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bundling ${entry} with esbuild failed: ${result.error?.message ?? result.stderr.trim()}`);
  return outDir;
}

/**
 * Hash of the folders a bundle's imports reach (`lambda/` and all of `lib/`, since `lib/compile` and `lib/runtime`
 * import modules beside them, such as `lib/errors.ts`): names the bundle a source checkout builds on demand, so an
 * edit rebuilds it and an unchanged tree reuses it.
 */
export function lambdaSourceHash(sourceRoot: string = CODE_ROOT): string {
  const hash = crypto.createHash('sha256');
  const visit = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) hash.update(entry.name).update(fs.readFileSync(full));
    }
  };
  for (const dir of ['lambda', 'lib']) visit(path.join(sourceRoot, dir));
  return hash.digest('hex');
}

const resolved = new Map<string, string>();

/**
 * The directory holding `index.js` of a Lambda bundle. An installed package ships it prebuilt (no esbuild, no bundling
 * at the consumer's synth, so folder installs and `npm link` work); a source checkout bundles once per source hash
 * into `node_modules/.cache/metaflow-cdk/`.
 */
export function lambdaBundleDirectory(name: string = COORDINATION_BUNDLE): string {
  const known = resolved.get(name);
  if (known) return known;
  const prebuilt = path.join(CODE_ROOT, PREBUILT_BUNDLES_DIR, name);
  let directory: string;
  if (fs.existsSync(path.join(prebuilt, 'index.js'))) directory = prebuilt;
  else if (runningFromSource()) directory = bundleFromSource(name);
  else throw new Error(`metaflow-cdk: the prebuilt Lambda bundle ${path.join(prebuilt, 'index.js')} is missing; reinstall metaflow-cdk (or run \`npm run build\` in its checkout).`);
  resolved.set(name, directory);
  return directory;
}

function bundleFromSource(name: string): string {
  const cache = path.join(CODE_ROOT, 'node_modules', '.cache', 'metaflow-cdk');
  const directory = path.join(cache, `${name}-${lambdaSourceHash().slice(0, 16)}`);
  if (fs.existsSync(path.join(directory, 'index.js'))) return directory;
  fs.mkdirSync(cache, { recursive: true });
  // Built beside and renamed into place: parallel test workers never see half a bundle.
  const staging = fs.mkdtempSync(`${directory}.tmp-`);
  writeLambdaBundle(name, staging);
  try {
    fs.renameSync(staging, directory);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(directory, 'index.js'))) throw new Error(`could not place the Lambda bundle in ${directory}`);
  }
  return directory;
}
