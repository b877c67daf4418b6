import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MetaflowFlow } from '../../../constructs/flow';
import { jobDefinitionNamePrefix } from '../../../constructs/flow/job-definitions';
import { FOREACH } from '../../lib/compile/helpers';
import type { FlowDocument } from '../../../lib/graph/model';
import { BATCH_MAX_JOB_DEFINITION_BYTES } from '../../../lib/compile/job-definition-size';
import { problemsOf } from '../support';
import { definitionFromTemplate, testInfrastructure } from './test-infrastructure';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** Synthesizes the flow alone in a fresh app, as two consecutive deploys of the same stack would. */
function synth(doc: FlowDocument): { jds: Record<string, Resource>; definition: string } {
  const app = new App();
  const stack = new Stack(app, 'Deploy', { env: { account: '123456789012', region: 'eu-west-1' } });
  new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), flow: doc, image: 'node:22-slim' });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const jds = Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Batch::JobDefinition'));
  const machine = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  return { jds, definition: JSON.stringify(definitionFromTemplate(machine.Properties.DefinitionString)) };
}

describe('job definitions across deploys (runs in flight are never broken)', () => {
  const before = synth(FOREACH);
  const changed: FlowDocument = { ...FOREACH, steps: FOREACH.steps.map((s) => (s.name === 'body1' ? { ...s, memory: 16384 } : s)) };
  const after = synth(changed);
  const again = synth(FOREACH);

  it('is deterministic: the same flow gives the same logical ids and names', () => {
    expect(Object.keys(again.jds).sort()).toEqual(Object.keys(before.jds).sort());
    expect(again.definition).toBe(before.definition);
  });

  it('a changed step gets a new job definition resource; the unchanged ones keep theirs', () => {
    const removed = Object.keys(before.jds).filter((id) => !(id in after.jds));
    const added = Object.keys(after.jds).filter((id) => !(id in before.jds));
    expect(removed).toHaveLength(1);
    expect(added).toHaveLength(1);
    expect(JSON.stringify(after.jds[added[0]].Properties)).toContain('16384');
    expect(after.definition).toContain(added[0]);
    expect(after.definition).not.toContain(removed[0]);
  });

  it('the definition an old execution still references is retained, not deregistered, when it leaves the template', () => {
    for (const jd of Object.values(before.jds)) {
      expect(jd.DeletionPolicy).toBe('Retain');
      expect(jd.UpdateReplacePolicy).toBe('Retain');
      expect(String(jd.Properties.JobDefinitionName).startsWith(jobDefinitionNamePrefix('Foreach'))).toBe(true);
    }
  });

  it('names carry the content hash, so the role pattern `<flow>-*` covers retained revisions too', () => {
    const names = Object.values(after.jds).map((jd) => String(jd.Properties.JobDefinitionName));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^Foreach-[0-9a-f]{16}$/);
  });
});

describe('a step execution role on EC2', () => {
  it("is kept in the step's job definition, which stays apart from its neighbours'", () => {
    const role = 'arn:aws:iam::123456789012:role/pull-private';
    const { jds } = synth({
      version: 1, name: 'ExecRole',
      steps: [{ name: 'start', next: ['end'], command: ['true'], executionRole: role }, { name: 'end', next: [], command: ['true'] }],
    });
    const roles = Object.values(jds).map((jd) => (jd.Properties.ContainerProperties as { ExecutionRoleArn?: unknown }).ExecutionRoleArn);
    expect(roles).toHaveLength(2);
    expect(roles).toContain(role);
    expect(roles).toContain(undefined);
  });
});

describe('a job definition over Batch\'s 24 KiB', () => {
  const withEnvironment = (bytes: number): FlowDocument => ({
    version: 1, name: 'Large',
    steps: [{ name: 'start', next: ['end'], command: ['true'], environment: { LARGE: 'x'.repeat(bytes) } }, { name: 'end', next: [], command: ['true'] }],
  });
  const registeredSize = (jd: Resource) => Buffer.byteLength(JSON.stringify(jd.Properties), 'utf8');

  it('is refused at synth, naming the step, its size and the way out', () => {
    const problems = problemsOf(() => synth(withEnvironment(BATCH_MAX_JOB_DEFINITION_BYTES)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ where: 'flow "Large" step "start"', field: 'environment' });
    expect(problems[0].value).toBeGreaterThan(BATCH_MAX_JOB_DEFINITION_BYTES);
    expect(problems[0].message).toContain('24 KiB');
    expect(problems[0].fix).toContain('secret');
  });

  it('one just under the quota synthesizes whole', () => {
    const { jds } = synth(withEnvironment(BATCH_MAX_JOB_DEFINITION_BYTES - 4096));
    const sizes = Object.values(jds).map(registeredSize);
    expect(Math.max(...sizes)).toBeGreaterThan(BATCH_MAX_JOB_DEFINITION_BYTES - 4096);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_MAX_JOB_DEFINITION_BYTES);
  });

  it('in a Python flow, @environment moved out of the overrides into the job definition is measured there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'large-env-flow-'));
    writeFileSync(join(dir, 'flow.py'), [
      'from metaflow import FlowSpec, step, environment',
      'class LargeEnvFlow(FlowSpec):',
      `    @environment(vars={"A": "${'a'.repeat(9000)}", "B": "${'b'.repeat(9000)}", "C": "${'c'.repeat(9000)}"})`,
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    LargeEnvFlow()',
    ].join('\n'));
    const stack = new Stack(new App(), 'Python', { env: { account: '123456789012', region: 'eu-west-1' } });
    const problems = problemsOf(() => new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), pythonFlowFile: join(dir, 'flow.py'), image: 'python:3.11' }));
    expect(problems.map((p) => [p.where, p.field])).toEqual([['flow "LargeEnvFlow" step "start"', 'environment']]);
  });
});

describe('a flow document built in JavaScript', () => {
  it('may leave out the end step\'s next, as a JSON file may', () => {
    const doc = { version: 1, name: 'NoNext', steps: [{ name: 'start', next: ['end'], command: ['true'] }, { name: 'end', command: ['true'] }] } as unknown as FlowDocument;
    const { jds } = synth(doc);
    expect(Object.keys(jds)).toHaveLength(1);
  });
});

describe("a state machine definition over Step Functions' 1 MiB", () => {
  it('is refused at synth, naming the flow and its size', () => {
    const names = Array.from({ length: 600 }, (_, i) => (i === 0 ? 'start' : i === 599 ? 'end' : `s${i}`));
    const doc: FlowDocument = {
      version: 1,
      name: 'Long',
      steps: names.map((name, i) => ({ name, next: i < names.length - 1 ? [names[i + 1]] : [], command: ['true'], retry: { times: 1 } })),
    };
    const problems = problemsOf(() => synth(doc));
    expect(problems).toEqual([expect.objectContaining({ where: 'flow "Long"', field: 'steps', value: '600 steps', message: expect.stringMatching(/definition comes to \d+ bytes; Step Functions refuses one over 1048576/) })]);
  });
});
