import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MetaflowFlow } from '../../../constructs/flow';
import { flow, step } from '../../lib/compile/helpers';
import { problemsOf } from '../support';
import { testInfrastructure } from './test-infrastructure';

type Resource = { Type: string; Properties: any };

function pythonFlowWithSecrets(): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-flow-'));
  writeFileSync(join(dir, 'flow.py'), [
    'from metaflow import FlowSpec, step, secrets',
    'class SecretFlow(FlowSpec):',
    '    @secrets(sources=["team-b/db-password", {"id": "vault-token", "options": {"json": False}, "role": "arn:aws:iam::123456789012:role/team-b-secrets"}])',
    '    @step',
    '    def start(self):',
    '        self.next(self.end)',
    '    @step',
    '    def end(self):',
    '        pass',
    'if __name__ == "__main__":',
    '    SecretFlow()',
  ].join('\n'));
  return join(dir, 'flow.py');
}

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Iso', { env: { account: '123456789012', region: 'eu-west-1' } });
  const teamA = new secretsmanager.Secret(stack, 'TeamA', { secretName: 'team-a/token' });
  const teamB = new secretsmanager.Secret(stack, 'TeamB', { secretName: 'team-b/db-password' });
  const infrastructure = { ...testInfrastructure(stack), secrets: [teamA, teamB], stateMachinePrefix: 'mf' };
  return { app, stack, infrastructure, teamA, teamB };
}

describe('per-flow isolation', () => {
  let resources: Record<string, Resource>;
  const policiesOf = (roleLogicalPrefix: string) => Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: { Ref: string }) => ref.Ref.startsWith(roleLogicalPrefix)))
    .map((r) => JSON.stringify(r.Properties.PolicyDocument))
    .join();

  beforeAll(() => {
    const { stack, infrastructure } = setup();
    const uploads = new s3.Bucket(stack, 'Uploads');
    // Flow A injects team A's secret by its literal `secretName` (the Secret's secretName attribute is a token).
    const a = flow('TeamAFlow', [step('start', ['end'], { secrets: ['team-a/token'], queue: 'fargate' }), step('end', [])], {
      schedule: { cron: '0 6 * * ? *' },
      triggers: [{ bucket: uploads.bucketName, prefix: 'in/' }],
    });
    new MetaflowFlow(stack, 'A', { infrastructure, flow: a, image: 'node:22-slim' });
    // Flow B is a Python flow whose @secrets names team B's secret, and one read through a role.
    new MetaflowFlow(stack, 'B', { infrastructure, pythonFlowFile: pythonFlowWithSecrets(), image: 'python:3.11' });
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  it('gives each flow its own job role, trusted only by this account\'s ECS tasks', () => {
    const jobRoles = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && /^(A|B)JobRole/.test(id));
    expect(jobRoles.map(([id]) => id.slice(0, 1)).sort()).toEqual(['A', 'B']);
    for (const [, role] of jobRoles) {
      const condition = role.Properties.AssumeRolePolicyDocument.Statement[0].Condition;
      expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': '123456789012' });
      expect(JSON.stringify(condition.ArnLike['aws:SourceArn'])).toContain(':ecs:eu-west-1:123456789012:*');
    }
  });

  it('lets flow A\'s execution role read team A\'s secret only, and no job role read team B\'s', () => {
    const executionA = policiesOf('AExecutionRole');
    expect(executionA).toMatch(/TeamA/);
    expect(executionA).not.toMatch(/TeamB/);
    expect(policiesOf('AJobRole')).not.toMatch(/secretsmanager/);
    const jobB = policiesOf('BJobRole');
    expect(jobB).not.toMatch(/TeamA/);
    expect(jobB).toMatch(/TeamB/);
    // The source read through role= is not granted; the role may be assumed, exactly that one.
    expect(jobB).not.toContain('vault-token');
    expect(jobB).toContain('"Action":"sts:AssumeRole","Effect":"Allow","Resource":"arn:aws:iam::123456789012:role/team-b-secrets"');
    const jd = Object.values(resources).find((r) => r.Type === 'AWS::Batch::JobDefinition' && JSON.stringify(r.Properties).includes('TeamA'))!;
    expect(JSON.stringify(jd.Properties.ContainerProperties.ExecutionRoleArn)).toMatch(/AExecutionRole/);
    expect(JSON.stringify(jd.Properties.ContainerProperties.JobRoleArn)).toMatch(/AJobRole/);
  });

  it("lets each flow's jobs write only that flow's datastore prefixes, and read the datastore", () => {
    const statementsOf = (role: string) => Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: { Ref: string }) => ref.Ref.startsWith(role)))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>);
    const objectArns = (statement: { Resource: unknown }) =>
      [statement.Resource].flat().map((arn) => JSON.stringify(arn)).filter((arn) => arn.includes('/'));
    for (const [role, flowName] of [['AJobRole', 'TeamAFlow'], ['BJobRole', 'SecretFlow']]) {
      const writes = statementsOf(role).filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('s3:PutObject'));
      const written = writes.flatMap(objectArns).map((arn) => /"\/(metaflow\/[^"]*)"/.exec(arn)?.[1]).sort();
      const own = [`metaflow/${flowName}/*`, `metaflow/data/${flowName}/*`, `metaflow/mf.cards/${flowName}/*`];
      expect(written).toEqual(expect.arrayContaining(own));
      // anything else written is a key below them (a Python flow's start step copies its code package into its store)
      expect(written.filter((key) => !own.some((pattern) => key!.startsWith(pattern.slice(0, -1))))).toEqual([]);
      const reads = statementsOf(role).filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('s3:GetObject')));
      expect(reads.flatMap(objectArns).some((arn) => arn.includes('"/metaflow/*"'))).toBe(true);
    }
  });

  it("gives a generic flow's coordination functions no coordination-table access (its widths are in S3)", () => {
    const roles = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::IAM::Role' && /^A(ForeachFanout|CatchRecorder)/.test(id));
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      expect(policiesOf(role)).toMatch(/s3:PutObject/);
      expect(policiesOf(role)).not.toMatch(/dynamodb:/);
    }
  });

  it('starts each flow from its own schedule and trigger roles, which may start only that state machine', () => {
    const startPolicies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('states:StartExecution'));
    for (const policy of startPolicies) {
      const statement = policy.Properties.PolicyDocument.Statement.find((s: { Action: string | string[] }) => [s.Action].flat().includes('states:StartExecution'));
      // A Ref to one state machine, never a prefix wildcard.
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
    expect(startPolicies.length).toBeGreaterThanOrEqual(2);
  });

  it('accepts an S3 trigger on a bucket made in the same app', () => {
    const rule = Object.values(resources).find((r) => r.Type === 'AWS::Events::Rule')!;
    expect(JSON.stringify(rule.Properties.EventPattern)).toContain('Uploads');
  });
});

describe('flows in one app', () => {
  it('refuse a second flow of the same name, naming the first', () => {
    const { stack, infrastructure } = setup();
    const doc = flow('Same', [step('start', ['end']), step('end', [])]);
    new MetaflowFlow(stack, 'One', { infrastructure, flow: doc, image: 'x' });
    const problems = problemsOf(() => new MetaflowFlow(new Stack(stack.node.root as App, 'Other'), 'Two', { infrastructure, flow: doc, image: 'x' }));
    expect(problems).toEqual([expect.objectContaining({ field: 'flow name', value: 'Same', message: expect.stringContaining('MetaflowFlow Iso/One already deploys') })]);
  });

  it('accept the same flow in stacks of other accounts or regions (Dev and Prod in one app)', () => {
    const app = new App();
    const doc = flow('Same', [step('start', ['end']), step('end', [])]);
    const stacks = [
      new Stack(app, 'Dev', { env: { account: '111111111111', region: 'eu-west-1' } }),
      new Stack(app, 'Prod', { env: { account: '222222222222', region: 'eu-west-1' } }),
      new Stack(app, 'ProdUs', { env: { account: '222222222222', region: 'us-east-1' } }),
    ];
    for (const stack of stacks) new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), flow: doc, image: 'x' });
    const anywhere = new Stack(app, 'Anywhere');
    const problems = problemsOf(() => new MetaflowFlow(anywhere, 'Flow', { infrastructure: testInfrastructure(anywhere), flow: doc, image: 'x' }));
    expect(problems).toEqual([expect.objectContaining({ field: 'flow name', message: expect.stringContaining('MetaflowFlow Dev/Flow already deploys') })]);
  });

  it('refuse a flow document built in JavaScript with the wrong shapes, by field, instead of failing inside the compiler', () => {
    const { stack, infrastructure } = setup();
    const doc = { version: 1, name: 'Js', steps: [{ name: 'start', next: 'end', secrets: 'db', retry: 3 }, { name: 'end', next: [] }] } as never;
    expect(problemsOf(() => new MetaflowFlow(stack, 'Js', { infrastructure, flow: doc, image: 'x' })).map((p) => `${p.where} ${p.field}: ${p.message}`)).toEqual([
      'flow "Js" step "start" next: must be of type array',
      'flow "Js" step "start" retry: must be of type object',
      'flow "Js" step "start" secrets: must be of type array',
    ]);
    expect(problemsOf(() => new MetaflowFlow(stack, 'Path', { infrastructure, flow: 'flow.json' as never, image: 'x' }))).toEqual([
      expect.objectContaining({ where: 'MetaflowFlow Iso/Path', field: 'flow', value: 'flow.json', message: 'must be an object', fix: expect.stringContaining('parseFlowDocumentJson') }),
    ]);
    expect(problemsOf(() => new MetaflowFlow(stack, 'NoSteps', { infrastructure, flow: { version: 1, name: 'NoSteps', steps: [] }, image: 'x' }))).toEqual([
      expect.objectContaining({ where: 'flow "NoSteps"', field: 'steps', message: 'needs at least 1 item', fix: "add the flow's steps, from start to end" }),
    ]);
  });

  it('refuse an image, job tags, a state machine prefix, a service URL and a job role that AWS or Metaflow would refuse, each by its prop', () => {
    const { stack, infrastructure } = setup();
    const build = (id: string, props: object) => problemsOf(() => new MetaflowFlow(stack, id, { infrastructure, flow: flow(id, [step('start', ['end']), step('end', [])]), image: 'x', ...props }));
    expect(build('Img', { image: 'Python:3.12' })).toEqual([expect.objectContaining({ field: 'image', value: 'Python:3.12' })]);
    const manyTags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, 'v']));
    expect(build('Tags', { jobTags: { 'aws:team': 'x', 'metaflow.flow_name': 'y' } }).map((p) => p.field)).toEqual(['jobTags.aws:team', 'jobTags.metaflow.flow_name']);
    expect(build('ManyTags', { jobTags: manyTags })).toEqual([expect.objectContaining({ field: 'jobTags', value: 45, fix: 'keep at most 44 tags' })]);
    expect(build('Prefix', { stateMachineNamePrefix: 'my team!' })).toEqual([expect.objectContaining({ field: 'stateMachineNamePrefix', value: 'my team!' })]);
    expect(build('Empty', { stateMachineNamePrefix: '' })).toEqual([expect.objectContaining({ field: 'stateMachineNamePrefix', value: '' })]);
    expect(build('Url', { metaflow: { serviceUrl: 'metadata.internal' } })).toEqual([expect.objectContaining({ field: 'metaflow.serviceUrl', value: 'metadata.internal' })]);
    const lambdaRole = new iam.Role(stack, 'LambdaRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(build('Role', { jobRole: lambdaRole })).toEqual([expect.objectContaining({ field: 'jobRole', value: 'Iso/LambdaRole' })]);
    const ecsRole = new iam.Role(stack, 'TrustedRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(() => new MetaflowFlow(stack, 'Trusted', { infrastructure, flow: flow('Trusted', [step('start', ['end']), step('end', [])]), image: 'x', jobRole: ecsRole })).not.toThrow();
  });

  it('refuse a flow in another account or region than its infrastructure, naming both', () => {
    const app = new App();
    const home = new Stack(app, 'Home', { env: { account: '111111111111', region: 'eu-west-1' } });
    const away = new Stack(app, 'Away', { env: { account: '111111111111', region: 'us-east-1' } });
    const problems = problemsOf(() => new MetaflowFlow(away, 'Flow', { infrastructure: testInfrastructure(home), flow: flow('Away', [step('start', ['end']), step('end', [])]), image: 'x' }));
    expect(problems).toEqual([expect.objectContaining({ field: 'infrastructure', value: '111111111111/eu-west-1 (flow stack: 111111111111/us-east-1)' })]);
  });

  it('refuse two flows whose state machine names collide once cut to 80 characters', () => {
    const { stack, infrastructure } = setup();
    const long = 'F'.repeat(78);
    new MetaflowFlow(stack, 'One', { infrastructure, flow: flow(`${long}AA`, [step('start', ['end']), step('end', [])]), image: 'x' });
    const problems = problemsOf(() => new MetaflowFlow(stack, 'Two', { infrastructure, flow: flow(`${long}BB`, [step('start', ['end']), step('end', [])]), image: 'x' }));
    expect(problems.map((p) => p.field)).toEqual(['state machine name']);
    expect(problems[0].fix).toMatch(/shorten the state machine prefix/);
  });

  it('refuse host retries below 0 or above what Batch runs', () => {
    const { stack, infrastructure } = setup();
    for (const hostRetries of [-1, 1.5, 10]) {
      const problems = problemsOf(() => new MetaflowFlow(stack, `H${String(hostRetries).replace(/\W/g, '')}`, { infrastructure, flow: flow(`H${String(hostRetries).replace(/\W/g, '')}`, [step('start', ['end']), step('end', [])]), image: 'x', hostRetries }));
      expect(problems.map((p) => p.field)).toEqual(['hostRetries']);
    }
  });

  it('name the construct instead of printing a token when a secret is unknown', () => {
    const { stack, infrastructure } = setup();
    const error = (() => {
      try {
        new MetaflowFlow(stack, 'Unknown', { infrastructure, flow: flow('Unknown', [step('start', ['end'], { secrets: ['nope'] }), step('end', [])]), image: 'x' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.message).not.toContain('${Token[');
    expect(error.message).toContain('"team-a/token"');
    expect(error.message).toContain('"team-b/db-password"');
  });
});

describe('a flow under the infrastructure\'s permissions boundary', () => {
  it('bounds every role it creates: job, state machine, coordination functions, schedule and trigger', () => {
    const { stack, infrastructure } = setup();
    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(stack, 'Boundary', 'arn:aws:iam::123456789012:policy/Boundary');
    const uploads = new s3.Bucket(stack, 'Uploads');
    const f = flow('Bounded', [step('start', ['end']), step('end', [])], { schedule: { daily: true }, triggers: [{ bucket: uploads.bucketName }] });
    new MetaflowFlow(stack, 'F', { infrastructure: { ...infrastructure, permissionsBoundary: boundary }, flow: f, image: 'node:22-slim' });
    const roles = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('F'));
    expect(roles.map(([id]) => id)).toEqual(expect.arrayContaining([expect.stringMatching(/^FScheduleRole/), expect.stringMatching(/^FS3Trigger0Role/), expect.stringMatching(/^FJobRole/)]));
    for (const [id, role] of roles) expect([id, role.Properties.PermissionsBoundary]).toEqual([id, 'arn:aws:iam::123456789012:policy/Boundary']);
  });
});
