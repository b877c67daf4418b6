/**
 * The package as a user gets it: `npm pack` (which builds through `prepare`), the tarball installed into a copy of
 * examples/consumer-app, type-checked with `skipLibCheck: false`, `cdk synth`, and its flow run with the installed
 * CLI and through `metaflow-cdk/local`. Slow: 10 minutes at a load average of 25 on 2 cores (the build and the install are most of it; 4.5 CPU-minutes).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../..');
const CONSUMER_APP = path.join(REPO, 'examples', 'consumer-app');

// Children run on the Node that runs the tests (the repository's pinned Node), npm and npx included.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_fund: 'false', npm_config_audit: 'false' };

function sh(command: string, args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function ok(command: string, args: string[], cwd: string): string {
  const result = sh(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('the packed package in a consumer app', () => {
  let work: string;
  let app: string;
  let tarball: string;
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-consumer-'));
    const packed = JSON.parse(ok('npm', ['pack', '--json', '--pack-destination', work], REPO)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, packed[0].filename);
    fs.writeFileSync(path.join(work, 'files.json'), JSON.stringify(packed[0].files.map((f) => f.path)));
    app = path.join(work, 'app');
    fs.cpSync(CONSUMER_APP, app, { recursive: true, filter: (src) => !/(^|\/)(node_modules|dist|cdk\.out|\.local-runs)$/.test(src) });
    const manifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies['metaflow-cdk'] = `file:${tarball}`;
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  }, 900_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds compiled JS, declarations, the CLI, the prebuilt Lambda bundle, the schema and the Python helpers', () => {
    const files = JSON.parse(fs.readFileSync(path.join(work, 'files.json'), 'utf8')) as string[];
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/lib/local/index.d.ts',
      'dist/lib/graph/index.d.ts',
      'dist/lib/stacks/security-checks.d.ts',
      'dist/bin/metaflow-cdk.js',
      'dist/lambda-bundles/coordination/index.js',
      'schema/flow-document.schema.json',
      'lib/importer/metaflow_flow_reader.py',
      'lib/importer/metaflow_deploy_time.py',
      'lib/runtime/metaflow/standin_step.py',
      'examples/steps/datastore.mjs',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('the app needs no esbuild and type-checks against the declarations with skipLibCheck false', () => {
    expect(fs.existsSync(path.join(app, 'node_modules', 'esbuild'))).toBe(false);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8')) as { compilerOptions: { skipLibCheck: boolean } };
    expect(tsconfig.compilerOptions.skipLibCheck).toBe(false);
    ok('npx', ['tsc', '-p', 'tsconfig.json'], app);
    expect(fs.existsSync(path.join(app, 'dist', 'bin', 'app.js'))).toBe(true);
    // the subpaths resolve through `exports` too (node16/nodenext resolution), not only through `typesVersions`
    ok('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext'], app);
    // and nothing but the documented entry points is reachable
    expect(sh('node', ['-e', "require('metaflow-cdk/lib/local')"], app).stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 300_000);

  test('cdk synth builds the infrastructure and the flow with the Lambda code from the package', () => {
    ok('npx', ['cdk', 'synth', '--quiet'], app);
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'GreetingApp.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> };
    const resources = Object.values(template.Resources);
    const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Metadata?.['metaflow-cdk:flow'] !== undefined);
    expect(machines).toHaveLength(1);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['metaflow-cdk:handler'] !== undefined);
    expect(functions.length).toBeGreaterThan(0);
    const assetDirs = fs.readdirSync(path.join(app, 'cdk.out')).filter((d) => d.startsWith('asset.'));
    const bundled = fs.readFileSync(path.join(app, 'node_modules', 'metaflow-cdk', 'dist', 'lambda-bundles', 'coordination', 'index.js'));
    expect(assetDirs.some((d) => fs.existsSync(path.join(app, 'cdk.out', d, 'index.js')) && fs.readFileSync(path.join(app, 'cdk.out', d, 'index.js')).equals(bundled))).toBe(true);
  }, 300_000);

  test('the installed CLI answers --version and runs the flow locally, printing the end step output', () => {
    expect(ok('npx', ['metaflow-cdk', '--version'], app).trim()).toBe(version);
    const run = sh('npx', ['metaflow-cdk', 'run', '--local', 'GreetingFlow', '--cdk-out', 'cdk.out', '-p', 'who=Ada', '--no-progress'], app);
    expect(run.stderr).not.toMatch(/error|warning/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/of GreetingFlow: SUCCEEDED/);
    expect(run.stdout).toMatch(/^ {2}Hello, Ada! \(run sfn-[0-9a-f-]+, task 1\)$/m);
  }, 300_000);

  test('metaflow-cdk/local runs the flow from the app code', () => {
    const stdout = ok('node', [path.join('dist', 'src', 'run-greeting.js'), 'cdk.out', 'Grace'], app);
    expect(stdout).toMatch(/^GreetingFlow sfn-[0-9a-f-]+: SUCCEEDED$/m);
    const logs = path.join(app, '.local-runs', 'GreetingFlow');
    const endLogs = fs.readdirSync(logs).flatMap((run) => {
      const dir = path.join(logs, run, 'logs', 'end');
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')) : [];
    });
    expect(endLogs.some((log) => log.includes('Hello, Grace!'))).toBe(true);
  }, 300_000);

  test('metaflow-cdk/security resolves for an app that adds cdk-nag and the guard plugin', () => {
    const resolved = ok('node', ['-p', "require.resolve('metaflow-cdk/security')"], app).trim();
    expect(resolved).toBe(fs.realpathSync(path.join(app, 'node_modules', 'metaflow-cdk', 'dist', 'lib', 'stacks', 'security-checks.js')));
  });

  test("metaflow-cdk/local's runMainJob runs the README's example from the installed package, its runs under the app", () => {
    const stdout = ok('node', ['-e', "require('metaflow-cdk/local').runMainJob({ count: 4, progress: false }).then((code) => process.exit(code))"], app);
    expect(stdout).toMatch(/^Result read back from the local datastore: n=4, sum of squares=30, mean=2\.5/m);
    expect(fs.readdirSync(path.join(app, '.local-runs', 'NumbersFlow'))).toHaveLength(1);
  }, 300_000);
});
