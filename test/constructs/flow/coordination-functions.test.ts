import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoordinationFunction, HANDLER_METADATA_KEY, coordinationSourceHash, handlerEntry } from '../../../constructs/flow/coordination-functions';

describe('CoordinationFunction', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const fn = new CoordinationFunction(stack, 'Fanout', { handler: 'fanout', description: 'd', environment: { FLOW_NAME: 'F' }, logRetention: logs.RetentionDays.ONE_YEAR });
  const template = Template.fromStack(stack);

  it('bundles the handler from lambda/ with the latest Node runtime and names it in metadata for the local engine', () => {
    expect(fs.existsSync(handlerEntry('coordination'))).toBe(true);
    const [resource] = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Metadata: Record<string, string>; Properties: { Runtime: string; Environment: { Variables: Record<string, string> } } }>;
    expect(resource.Metadata[HANDLER_METADATA_KEY]).toBe('lambda/coordination.ts#fanout');
    expect(resource.Properties.Runtime).toMatch(/^nodejs\d+\.x$/);
    expect(resource.Properties.Environment.Variables).toEqual({ FLOW_NAME: 'F' });
  });

  it('logs to its own log group with retention, through a role without managed policies', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as { Properties: { ManagedPolicyArns?: unknown } };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(fn.role).toBeDefined();
  });

  it('names its bundle by a hash of its sources, so a synth into an existing cdk.out skips esbuild', () => {
    const first = coordinationSourceHash();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(coordinationSourceHash()).toBe(first);
    const [resource] = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Code: { S3Key: string } } }>;
    expect(JSON.stringify(resource.Properties.Code.S3Key)).toMatch(/[0-9a-f]{64}\.zip/);
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

describe('CoordinationFunction bundling from another directory', () => {
  it('finds this package and its lock file, so an app outside the repository (run --local --app DIR) synthesizes', () => {
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
