import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { MetaflowFlow } from '../../../constructs/flow';
import { ValidationError } from '../../../lib/errors';
import { decodeManifest } from '../../../lib/runtime/manifest';
import { BRANCH, FOREACH, NESTED, PARALLEL, flow, step, validateAsl } from '../../lib/compile/helpers';
import { definitionFromTemplate, testInfrastructure } from './test-infrastructure';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

describe('MetaflowFlow', () => {
  let template: Template;
  let resources: Resources;
  let flows: Record<string, MetaflowFlow>;
  let stack: Stack;

  beforeAll(() => {
    const app = new App();
    stack = new Stack(app, 'Flows', { env: { account: '123456789012', region: 'eu-west-1' } });
    const infrastructure = testInfrastructure(stack);
    const catching = flow('Catching', [step('start', ['end'], { retry: { times: 1 }, catch: { var: 'err' } }), step('end', [])], {
      parameters: [{ name: 'alpha', type: 'string', default: 'a' }],
      schedule: { cron: '0 6 * * ? *', timezone: 'Europe/Berlin' },
      triggers: [{ bucket: 'uploads', prefix: 'incoming/', suffix: '.csv' }],
      tags: { team: 'ml' },
    });
    flows = {};
    for (const doc of [BRANCH, FOREACH, NESTED, PARALLEL, catching]) {
      flows[doc.name] = new MetaflowFlow(stack, doc.name, { infrastructure, flow: doc, image: 'node:22-slim', stateMachineNamePrefix: 'team' });
    }
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Resources;
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('makes one state machine per flow: JSONPath, logs ALL with retention, X-Ray, name prefix, tags, flow metadata', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 5);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'team_Catching',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
      Tags: Match.arrayWith([{ Key: 'metaflow-cdk:flow', Value: 'Catching' }, { Key: 'team', Value: 'ml' }]),
    });
    const { version } = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { Tags: Match.arrayWith([{ Key: 'metaflow-cdk:version', Value: version }]) });
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.map(([, r]) => r.Metadata?.['metaflow-cdk:flow']).sort()).toEqual(['Branch', 'Catching', 'Foreach', 'Nested', 'Parallel']);
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('writes a valid JSONPath definition whose Comment is the flow manifest', () => {
    for (const f of Object.values(flows)) {
      const machine = stack.resolve((f.stateMachine.node.defaultChild as CfnStateMachine).definitionString);
      expect(validateAsl(definitionFromTemplate(machine)).errors).toEqual([]);
      expect(decodeManifest(f.definition.Comment)?.flow).toBe(f.flowName);
    }
  });

  it('exposes and records the foreach strategy per foreach step', () => {
    expect(flows.Foreach.foreachStrategies).toEqual({ start: 'array-job' });
    expect(flows.Nested.foreachStrategies).toEqual({ start: 'distributed-map' });
    expect(decodeManifest(flows.Nested.definition.Comment)?.steps[0].foreachStrategy).toBe('distributed-map');
  });

  it('gives coordination Lambdas the handler metadata, the latest Node runtime and a log group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(10);
    const handlers = new Set(functions.map(([, r]) => r.Metadata?.['metaflow-cdk:handler']));
    expect(handlers).toEqual(new Set(['lambda/coordination.ts#fanout', 'lambda/coordination.ts#recordCatch']));
    expect(new Set(functions.map(([, r]) => JSON.stringify((r.Properties.Code as { S3Key: unknown }).S3Key))).size).toBe(1);
    for (const [, fn] of functions) {
      expect(String(fn.Properties.Runtime)).toMatch(/^nodejs\d+\.x$/);
      expect(fn.Properties.LoggingConfig).toBeDefined();
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ FOREACH_WIDTH_SOURCE: 's3', DATASTORE_PREFIX: 'metaflow' });
    }
  });

  it('keeps every job definition static and retained; overrides carry only per-run values', () => {
    const jds = ofType('AWS::Batch::JobDefinition');
    expect(jds.length).toBeGreaterThan(0);
    for (const [, jd] of jds) {
      expect(jd.DeletionPolicy).toBe('Retain');
      expect(jd.UpdateReplacePolicy).toBe('Retain');
      expect((jd.Properties.RetryStrategy as { EvaluateOnExit: Array<{ OnStatusReason?: string }> }).EvaluateOnExit[0]).toEqual({ Action: 'RETRY', OnStatusReason: 'Host EC2*' });
      expect(String(jd.Properties.JobDefinitionName)).toMatch(/^[A-Za-z0-9_-]+-[0-9a-f]{16}$/);
    }
    const train = stack.resolve(flows.Parallel.jobDefinitionOf('train').nodeProperties) as { numNodes: number };
    expect(train.numNodes).toBe(4);
  });

  it('warns at synth of the multi-node step on a queue with Spot capacity, and of nothing else', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => [w.id, String(w.entry.data).split(':')[0]])).toEqual([['/Flows/Parallel', 'flow "Parallel" step "train"']]);
    expect(String(warnings[0].entry.data)).toContain('[ack: metaflow-cdk:multiNodeOnSpot]');
  });

  it('scopes the state machine role to this flow', () => {
    const role = stack.resolve(flows.Foreach.role.roleArn);
    expect(role).toBeDefined();
    const policies = ofType('AWS::IAM::Policy').map(([, p]) => JSON.stringify(p.Properties));
    const foreachPolicy = policies.find((p) => p.includes(`job-definition/Foreach-${'?'.repeat(16)}:*`))!;
    expect(foreachPolicy).toContain('batch:TerminateJob');
    expect(foreachPolicy).toContain('batch:DescribeJobs');
    expect(foreachPolicy).toContain('lambda:InvokeFunction');
    expect(foreachPolicy).not.toContain('states:StartExecution');
    const nestedPolicy = policies.find((p) => p.includes(`job-definition/Nested-${'?'.repeat(16)}:*`))!;
    expect(nestedPolicy).toContain('states:StartExecution');
    expect(nestedPolicy).toContain('/_metaflow-cdk/Nested/foreach/*');
  });

  it('schedules with EventBridge Scheduler in the flow time zone and triggers on S3 uploads with a key wildcard', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['uploads'] }, object: { key: [{ wildcard: 'incoming/*.csv' }] } } },
    });
  });

  it('imports a flow by state machine ARN and grants starting it', () => {
    const app = new App();
    const s = new Stack(app, 'Other');
    const imported = MetaflowFlow.fromStateMachineArn(s, 'Imported', 'Demo', 'arn:aws:states:eu-west-1:123456789012:stateMachine:team_Demo');
    const role = new Role(s, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    imported.grantStartExecution(role);
    expect(imported.flowName).toBe('Demo');
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Resource: 'arn:aws:states:eu-west-1:123456789012:stateMachine:team_Demo' }] },
    });
  });

  it('refuses bad input at synth with every problem', () => {
    const app = new App();
    const s = new Stack(app, 'Bad');
    const infrastructure = testInfrastructure(s);
    const doc = flow('Bad', [step('start', ['end'], { gpu: 2, queue: 'cpu' }), step('end', [])], { triggers: [{ bucket: 'uploads-bucket', prefix: 'a/' }] });
    expect(() => new MetaflowFlow(s, 'Bad', { infrastructure, flow: doc })).toThrow(ValidationError);
    try {
      new MetaflowFlow(s, 'Bad2', { infrastructure, flow: doc });
    } catch (error) {
      expect((error as ValidationError).problems.map((p) => p.field).sort()).toEqual(['gpu', 'image', 'image']);
    }
  });
});
