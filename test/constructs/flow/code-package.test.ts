import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as tar from 'tar';
import { DatastoreEncryption, MetaflowDatastore } from '../../../constructs/datastore/datastore';
import { MetaflowFlow } from '../../../constructs/flow';
import { CODE_PACKAGE_METADATA_KEY } from '../../../lib/runtime/metaflow/code-package';
import { testInfrastructure } from './test-infrastructure';

const FLOW = `from metaflow import FlowSpec, step


class AppRootFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    AppRootFlow()
`;

function members(archive: string): string[] {
  const names: string[] = [];
  tar.t({ file: archive, sync: true, onReadEntry: (entry) => names.push(entry.path) });
  return names;
}

describe('the code package of a Python flow', () => {
  let app: string;
  beforeEach(() => {
    // A flow file at the root of a CDK app: node_modules, .git, earlier runs and the app's own output beside it.
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-approot-'));
    fs.writeFileSync(path.join(app, 'flow.py'), FLOW);
    fs.mkdirSync(path.join(app, 'lib'));
    fs.writeFileSync(path.join(app, 'lib', 'features.py'), 'X = 1\n');
    fs.writeFileSync(path.join(app, 'lib', 'stack.ts'), 'export {};\n');
    fs.writeFileSync(path.join(app, 'queries.sql'), 'select 1;\n');
    for (const dir of ['node_modules/aws-cdk-lib', '.git/objects', '.local-runs/AppRootFlow']) {
      fs.mkdirSync(path.join(app, dir), { recursive: true });
      fs.writeFileSync(path.join(app, dir, 'x.py'), '');
    }
  });
  afterEach(() => fs.rmSync(app, { recursive: true, force: true }));

  function synth(outdir: string, packageSuffixes?: string[]): { staged: string[]; metadata: unknown; bytes: Buffer } {
    const cdkApp = new App({ outdir });
    const stack = new Stack(cdkApp, 'AppRoot');
    const flow = new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), pythonFlowFile: path.join(app, 'flow.py'), image: 'python:3.11', metaflow: { packageSuffixes } });
    const assembly = cdkApp.synth();
    const template = assembly.getStackByName('AppRoot').template as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
    const stateMachine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const archive = path.join(outdir, `asset.${flow.codeAsset!.assetHash}.tgz`);
    return { staged: members(archive), metadata: stateMachine.Metadata?.[CODE_PACKAGE_METADATA_KEY], bytes: fs.readFileSync(archive) };
  }

  test('holds only what Metaflow packages, also with an output folder other than cdk.out inside the flow directory, synthesized twice', () => {
    const outdir = path.join(app, 'build', 'assembly');
    const first = synth(outdir);
    const again = synth(outdir); // the first assembly now lies inside the flow's directory
    expect(again.staged).toEqual(['INFO', 'flow.py', 'lib/features.py']);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(again.metadata).toEqual({ directory: '../..', flowFile: 'flow.py', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('packageSuffixes adds files the flow reads beside its code', () => {
    expect(synth(path.join(app, 'cdk.out'), ['.sql']).staged).toEqual(['INFO', 'flow.py', 'lib/features.py', 'queries.sql']);
  });

  test('a job role of the app\'s own may read the package object and write its content address in a KMS datastore, no more of the datastore', () => {
    const outdir = path.join(app, 'cdk.out');
    const cdkApp = new App({ outdir });
    const stack = new Stack(cdkApp, 'OwnRole');
    const datastore = new MetaflowDatastore(stack, 'Store', { encryption: DatastoreEncryption.KMS, serverAccessLogs: false });
    const jobRole = new iam.Role(stack, 'AppJobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const flow = new MetaflowFlow(stack, 'Flow', { infrastructure: { ...testInfrastructure(stack), datastore }, pythonFlowFile: path.join(app, 'flow.py'), image: 'python:3.11', jobRole });
    const template = cdkApp.synth().getStackByName('OwnRole').template as { Resources: Record<string, { Type: string; Properties: { Roles?: unknown; PolicyDocument?: { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> } } }> };
    const sha = createHash('sha1').update(fs.readFileSync(path.join(outdir, `asset.${flow.codeAsset!.assetHash}.tgz`))).digest('hex');
    const roleId = stack.getLogicalId(jobRole.node.defaultChild as iam.CfnRole);
    const statements = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => r.Properties.PolicyDocument!.Statement);
    const on = (pattern: RegExp) => statements.filter((st) => pattern.test(JSON.stringify(st.Resource)));
    const key = `metaflow/AppRootFlow/data/${sha.slice(0, 2)}/${sha}`;
    expect(on(new RegExp(`/${key}"`)).flatMap((st) => [st.Action].flat())).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
    expect(on(/\.tgz"/).flatMap((st) => [st.Action].flat())).toEqual(['s3:GetObject']);
    const keyId = stack.getLogicalId(datastore.encryptionKey!.node.defaultChild as never);
    expect(on(new RegExp(keyId)).flatMap((st) => [st.Action].flat())).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey']));
    const list = statements.find((st) => [st.Action].flat().includes('s3:ListBucket'));
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': [key] } });
    // nothing else of the datastore's objects
    const objects = statements.filter((st) => /\/metaflow\//.test(JSON.stringify(st.Resource)));
    expect(objects.every((st) => JSON.stringify(st.Resource).includes(key))).toBe(true);
  });
});
