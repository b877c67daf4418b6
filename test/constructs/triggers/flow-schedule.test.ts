import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FlowSchedule } from '../../../constructs/triggers/flow-schedule';
import { problemsOf } from '../support';

describe('FlowSchedule', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const machine = new sfn.StateMachine(stack, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
  new FlowSchedule(stack, 'Daily', { stateMachine: machine, schedule: { daily: true, timezone: 'America/New_York' }, parameters: { alpha: 'x' } });
  const template = Template.fromStack(stack);

  it('starts the state machine through EventBridge Scheduler in the given time zone with the run input', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Input: JSON.stringify({ Parameters: { alpha: 'x' }, User: 'scheduler' }) },
    });
  });

  it('uses a role that may start only this state machine', () => {
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] } });
    const policy = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy'))[0]);
    expect(policy).toContain('states:StartExecution');
    expect(policy).not.toContain('"*"');
  });

  it('puts runs it could not start in the dead-letter queue, which its role may send to; its role takes the boundary', () => {
    const other = new Stack(new App(), 'Dlq');
    const target = new sfn.StateMachine(other, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(other, 'P')) });
    const queue = new sqs.Queue(other, 'Dead', { enforceSSL: true });
    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(other, 'Boundary', 'arn:aws:iam::123456789012:policy/boundary');
    new FlowSchedule(other, 'Daily', { stateMachine: target, schedule: { daily: true }, deadLetterQueue: queue, permissionsBoundary: boundary });
    const t = Template.fromStack(other);
    const schedule = Object.values(t.findResources('AWS::Scheduler::Schedule'))[0].Properties;
    expect(JSON.stringify(schedule.Target.DeadLetterConfig.Arn)).toContain('Dead');
    const role = Object.values(t.findResources('AWS::IAM::Role')).find((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))!.Properties;
    expect(role.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/boundary');
    const policy = JSON.stringify(Object.values(t.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument);
    expect(policy).toMatch(/"sqs:SendMessage".*Dead/);
  });

  it("refuses on its own what a flow's @schedule would be refused for, and parameters that are not an object", () => {
    const problems = problemsOf(() => new FlowSchedule(stack, 'Bad', { stateMachine: machine, schedule: { cron: 'cron(0 12 * * ? *)', timezone: 'Mars/Olympus' }, parameters: 'alpha=1' as never }));
    expect(problems.map((p) => `${p.where} ${p.field}`)).toEqual(['S/Bad schedule cron', 'S/Bad schedule timezone', 'S/Bad parameters']);
    // `hourly: 'false'` from JavaScript used to schedule hourly
    expect(problemsOf(() => new FlowSchedule(stack, 'Js', { stateMachine: machine, schedule: { hourly: 'false' as never } }))).toEqual([expect.objectContaining({ field: 'hourly', value: 'false', message: 'must be true or false' })]);
  });
});
