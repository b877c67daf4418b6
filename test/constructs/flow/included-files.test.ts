import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../../constructs/flow';
import type { FlowDocument } from '../../../lib/graph/model';
import { importPythonFlow } from '../../../lib/importer/python';
import { testInfrastructure } from './test-infrastructure';

// What MetaflowFlow does with the IncludeFiles Metaflow evaluated at synth (the evaluation itself runs the real
// Metaflow: test/real/run-local-deploy-time.test.ts): the document here is what that evaluation yields.

const FLOW = `from metaflow import FlowSpec, Parameter, step


class IncludingFlow(FlowSpec):
    plain = Parameter("plain", default="x")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    IncludingFlow()
`;

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

describe('IncludeFile defaults of a Python flow', () => {
  let dir: string;
  let doc: FlowDocument;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-included-'));
    fs.writeFileSync(path.join(dir, 'flow.py'), FLOW);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'Notes café\n');
    const read = importPythonFlow(path.join(dir, 'flow.py'));
    doc = {
      ...read,
      parameters: [...(read.parameters ?? []), { name: 'notes', type: 'string' }, { name: 'absent', type: 'string', required: false }],
      runtime: { ...read.runtime!, kind: 'metaflow', flowFile: 'flow.py', flowClass: 'IncludingFlow', includeFiles: { notes: { path: path.join(dir, 'notes.txt'), isText: true, encoding: 'utf-8' } } },
    } as FlowDocument;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('ship gzip\'d as an asset the job role alone may read, and the default is Metaflow\'s descriptor of it', () => {
    const outdir = path.join(dir, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Including');
    new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), flow: doc, image: 'python:3.11' });
    const template = app.synth().getStackByName('Including').template as Template;
    const definition = JSON.stringify(Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!.Properties.DefinitionString);

    const staged = fs.readdirSync(outdir).filter((name) => name.endsWith('.gz'));
    expect(staged).toHaveLength(1);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(outdir, staged[0]))).toString('utf8')).toBe('Notes café\n');
    const key = `${staged[0].replace(/^asset\./, '')}`;
    // the descriptor, JSON inside the definition's JSON: url, text flag, encoding and the size before gzip
    expect(definition).toContain('\\\\\\"type\\\\\\": \\\\\\"uploader-v2\\\\\\"');
    expect(definition).toContain(`/${key}\\\\\\", \\\\\\"is_text\\\\\\": true, \\\\\\"encoding\\\\\\": \\\\\\"utf-8\\\\\\", \\\\\\"size\\\\\\": ${Buffer.byteLength('Notes café\n')}}`);
    expect(definition).toMatch(/plain[^,]*x/);

    const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').map((r) => JSON.stringify(r.Properties));
    const included = policies.filter((p) => p.includes('IncludedFiles'));
    expect(included).toHaveLength(1);
    expect(included[0]).toContain(`/${key}`);
    expect(included[0]).toContain('"s3:GetObject"');
  });

  test('an unchanged file gives the same asset; a changed one a new asset', () => {
    const hashOf = (): string => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(dir, 'out-')) });
      const stack = new Stack(app, 'Including');
      new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), flow: doc, image: 'python:3.11' });
      const assembly = app.synth();
      return fs.readdirSync(assembly.directory).filter((name) => name.endsWith('.gz')).join();
    };
    const first = hashOf();
    expect(hashOf()).toBe(first);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'Other notes\n');
    expect(hashOf()).not.toBe(first);
  });
});
