import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lambdaBundleDirectory, lambdaSourceHash, writeLambdaBundle } from '../../../constructs/flow/coordination-bundle';
import { CoordinationFunction, HANDLER_METADATA_KEY } from '../../../constructs/flow/coordination-functions';

describe('CoordinationFunction', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const fn = new CoordinationFunction(stack, 'Fanout', { handler: 'fanout', description: 'd', environment: { FLOW_NAME: 'F' }, logRetention: logs.RetentionDays.ONE_YEAR });
  const template = Template.fromStack(stack);

  it('runs the bundle of lambda/coordination.ts with the latest Node runtime and names it in metadata for the local engine', () => {
    const [resource] = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Metadata: Record<string, string>; Properties: { Handler: string; Runtime: string; Environment: { Variables: Record<string, string> } } }>;
    expect(resource.Metadata[HANDLER_METADATA_KEY]).toBe('lambda/coordination.ts#fanout');
    expect(resource.Properties.Handler).toBe('index.fanout');
    expect(resource.Properties.Runtime).toMatch(/^nodejs\d+\.x$/);
    expect(resource.Properties.Environment.Variables).toEqual({ FLOW_NAME: 'F' });
  });

  it('logs to its own log group with retention, through a role without managed policies', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as { Properties: { ManagedPolicyArns?: unknown } };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(fn.role).toBeDefined();
  });

  it('from sources, bundles once per source hash into node_modules/.cache; the bundle exports every handler', () => {
    const hash = lambdaSourceHash();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const directory = lambdaBundleDirectory();
    expect(path.basename(directory)).toBe(`coordination-${hash.slice(0, 16)}`);
    expect(directory).toContain(path.join('node_modules', '.cache', 'metaflow-cdk'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require(path.join(directory, 'index.js')) as Record<string, unknown>;
    expect(typeof bundle.fanout).toBe('function');
    expect(typeof bundle.recordCatch).toBe('function');
  });

  it('the source hash changes with any file of lib/ the bundle may import, not only lib/compile and lib/runtime', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-sources-'));
    const write = (file: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write('lambda/coordination.ts', "export { fanout } from '../lib/compile/fanout';");
    write('lib/compile/fanout.ts', "import { ValidationError } from '../errors';");
    write('lib/errors.ts', 'export class ValidationError extends Error {}');
    const before = lambdaSourceHash(root);
    write('lib/errors.ts', 'export class ValidationError extends Error { declare readonly problems: unknown[]; }');
    expect(lambdaSourceHash(root)).not.toBe(before);
  });

  it('a bundle written for the package is the same bytes as the one a checkout builds (one asset hash either way)', () => {
    const written = writeLambdaBundle('coordination', fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')));
    expect(fs.readFileSync(path.join(written, 'index.js'))).toEqual(fs.readFileSync(path.join(lambdaBundleDirectory(), 'index.js')));
  });

  it('bundles small: the SDK stays external', () => {
    const assetDir = app.synth().directory;
    const bundles = fs.readdirSync(assetDir).filter((d) => d.startsWith('asset.'));
    for (const dir of bundles) {
      const size = fs.statSync(`${assetDir}/${dir}/index.js`).size;
      expect(size).toBeLessThan(50 * 1024);
    }
    expect(bundles.length).toBeGreaterThan(0);
  });
});

describe('CoordinationFunction from another directory', () => {
  it('needs nothing from the directory the app runs in (run --local --app DIR, linked and folder installs)', () => {
    const cwd = process.cwd();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-'));
    process.chdir(elsewhere);
    try {
      const stack = new Stack(new App({ outdir: path.join(elsewhere, 'cdk.out') }), 'S');
      new CoordinationFunction(stack, 'Fanout', { handler: 'fanout', description: 'd', environment: {}, logRetention: logs.RetentionDays.ONE_YEAR });
      expect(() => Template.fromStack(stack)).not.toThrow();
    } finally {
      process.chdir(cwd);
    }
  });
});
