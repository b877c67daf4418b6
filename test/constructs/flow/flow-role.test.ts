import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { FlowRole } from '../../../constructs/flow/flow-role';
import { testInfrastructure } from './test-infrastructure';

function policyOf(distributedMap: boolean): string {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:123456789012:function:fanout');
  new FlowRole(stack, 'Role', { flowName: 'Demo', stateMachineName: 'team_Demo', infrastructure: testInfrastructure(stack), queueNames: ['gpu'], functions: [fn], distributedMap });
  return JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0]);
}

describe('FlowRole', () => {
  const plain = policyOf(false);
  const distributed = policyOf(true);

  it('submits only this flow job definitions to only the queues its steps use', () => {
    // `Demo-` and exactly the 16 characters of the content hash: `Demo-eval-<hash>` (flow Demo-eval) is longer.
    expect(plain).toContain(`job-definition/Demo-${'?'.repeat(16)}:*`);
    expect(plain).not.toContain('job-definition/Demo-*');
    expect(plain).toContain('job-queue/gpu');
    expect(plain).not.toContain('job-queue/cpu');
  });

  it('stops and tags only jobs that carry its own state machine name', () => {
    const statements = JSON.parse(plain).Properties.PolicyDocument.Statement as { Sid: string; Condition?: unknown }[];
    expect(statements.find((s) => s.Sid === 'StopOwnJobs')!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/metaflow-cdk:state-machine': 'team_Demo' } });
    expect(statements.find((s) => s.Sid === 'TagOwnJobs')!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/metaflow-cdk:state-machine': 'team_Demo' } });
  });

  it('lists the datastore only below its own Distributed Map results', () => {
    const statements = JSON.parse(distributed).Properties.PolicyDocument.Statement as { Sid: string; Condition?: unknown }[];
    expect(statements.find((s) => s.Sid === 'ListResults')!.Condition).toEqual({ StringLike: { 's3:prefix': ['metaflow/_metaflow-cdk/Demo/map-results', 'metaflow/_metaflow-cdk/Demo/map-results/*'] } });
  });

  it('can stop and describe jobs and invoke its Lambdas, so an aborted run stops its jobs', () => {
    for (const action of ['batch:TerminateJob', 'batch:DescribeJobs', 'lambda:InvokeFunction', 'StepFunctionsGetEventsForBatchJobsRule']) expect(plain).toContain(action);
    expect(plain).toContain('function:fanout');
  });

  it('adds child executions, item manifests and results only for a Distributed Map', () => {
    expect(plain).not.toContain('states:StartExecution');
    expect(distributed).toContain('states:StartExecution');
    expect(distributed).toContain('stateMachine:team_Demo');
    expect(distributed).toContain('/_metaflow-cdk/Demo/foreach/*');
    expect(distributed).toContain('/_metaflow-cdk/Demo/map-results/*');
  });
});
