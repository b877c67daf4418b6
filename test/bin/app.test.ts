import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildAppWithExamples } from '../../bin/app';

describe('bin/app', () => {
  let template: Template;

  beforeAll(() => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-test-'));
    const { app, stack } = buildAppWithExamples({ outdir });
    // synthesizing the App runs cdk-nag and the Control Tower guard rules: an unacknowledged finding throws here
    app.synth();
    template = Template.fromJSON(JSON.parse(fs.readFileSync(path.join(outdir, `${stack.stackName}.template.json`), 'utf8')));
  });

  test('deploys the reference infrastructure with the example flows, which the README main job runs locally', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const flows = Object.values(machines).map((machine) => (machine.Metadata as Record<string, string>)['metaflow-cdk:flow']);
    expect(flows.sort()).toEqual(['GridFlow', 'NumbersFlow']);
    template.resourceCountIs('AWS::Batch::JobQueue', 3);
  });
});
