import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as tar from 'tar';
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
});
