import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MetaflowStateMachineRole } from '../../../constructs/security/state-machine-role';
import { newStack, problemsOf, statementsOfRole } from '../support';
import { roleFixture } from './_fixture';

describe('MetaflowStateMachineRole', () => {
  let statements: any[];
  let template: Template;
  beforeAll(() => {
    const stack = newStack();
    const { datastore, table } = roleFixture(stack);
    const caps = { platform: 'EC2' as const, gpu: false, neuron: false, spot: false, maxVcpus: 1 };
    const queues = ['a', 'b'].map((n) => ({ name: n, queue: batch.JobQueue.fromJobQueueArn(stack, n, `arn:aws:batch:eu-west-1:123456789012:job-queue/${n}`), capabilities: caps }));
    new MetaflowStateMachineRole(stack, 'Sfn', { queues, coordinationTable: table, datastore, stateMachinePrefix: 'mf' });
    template = Template.fromStack(stack);
    statements = statementsOfRole(template.toJSON() as never, 'Sfn');
  });
  const sid = (id: string) => statements.find((s) => s.Sid === id);
  const flat = (v: unknown) => JSON.stringify(v);

  it('is assumed by Step Functions from this account', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'states.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } }, Action: 'sts:AssumeRole', Effect: 'Allow' }] },
    });
  });

  it('submits only to the given queues and job definitions', () => {
    expect(sid('SubmitJobs').Action).toBe('batch:SubmitJob');
    expect(sid('SubmitJobs').Resource.slice(0, 2)).toEqual(['arn:aws:batch:eu-west-1:123456789012:job-queue/a', 'arn:aws:batch:eu-west-1:123456789012:job-queue/b']);
    // Metaflow's own `step-functions create` names its job definitions `metaflow_<hash>`: no other job definition.
    expect(flat(sid('SubmitJobs').Resource[2])).toContain(':batch:eu-west-1:123456789012:job-definition/metaflow_*');
  });

  it('stops and describes jobs, and manages the .sync rule', () => {
    expect(sid('ManageJobs').Action).toEqual(['batch:TerminateJob', 'batch:TagResource']);
    expect(flat(sid('ManageJobs').Resource)).toContain(':job/*');
    expect(sid('DescribeJobs')).toMatchObject({ Action: 'batch:DescribeJobs', Resource: '*' });
    expect(sid('BatchSyncRule').Action).toEqual(['events:PutTargets', 'events:PutRule', 'events:DescribeRule']);
    expect(flat(sid('BatchSyncRule').Resource)).toContain('rule/StepFunctionsGetEventsForBatchJobsRule');
  });

  it("keeps off MetaflowFlow jobs, state machines and runs: those carry a tag the denies match, and have roles of their own", () => {
    expect(sid('KeepOffMetaflowFlowJobs')).toMatchObject({
      Effect: 'Deny',
      Action: ['batch:TerminateJob', 'batch:TagResource'],
      Condition: { Null: { 'aws:ResourceTag/metaflow-cdk:state-machine': 'false' } },
    });
    const flows = sid('KeepOffMetaflowFlowStateMachines');
    expect(flows).toMatchObject({
      Effect: 'Deny',
      Action: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
      Condition: { Null: { 'aws:ResourceTag/metaflow-cdk:flow': 'false' } },
    });
    expect(flat(flows.Resource)).toMatch(/stateMachine:mf_\*.*execution:mf_\*/);
  });

  it('reads the foreach width', () => {
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'dynamodb:GetItem' }));
  });

  it('runs Distributed Map children of its own state machines only', () => {
    expect(flat(sid('DistributedMapChildren').Resource)).toContain(':states:eu-west-1:123456789012:stateMachine:mf_*"');
    expect(sid('DistributedMapChildrenStatus').Action).toEqual(['states:DescribeExecution', 'states:StopExecution']);
    expect(flat(sid('DistributedMapChildrenStatus').Resource)).toContain(':execution:mf_*"');
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }));
  });

  it('reaches the datastore only under the Distributed Map output prefix, never the artifacts', () => {
    const s3 = statements.filter((s) => flat(s.Action).includes('s3:'));
    const objectResources = s3.filter((s) => s.Action !== 's3:ListBucket').map((s) => flat(s.Resource));
    expect(objectResources).toHaveLength(2);
    for (const r of objectResources) expect(r).toMatch(/\/metaflow\/sfn_distributed_map_output\/\*"\]\]\}$/);
    expect(sid('DistributedMapResultUploads').Action).toBe('s3:ListMultipartUploadParts');
    const list = s3.find((s) => s.Action === 's3:ListBucket');
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['metaflow/sfn_distributed_map_output/*'] } });
  });

  it('delivers logs, and has Resource "*" only where AWS allows nothing narrower', () => {
    expect(sid('LogDelivery').Action).toContain('logs:CreateLogDelivery');
    const star = statements.filter((s) => s.Resource === '*').map((s) => s.Sid);
    expect(star.sort()).toEqual(['DescribeJobs', 'LogDelivery']);
    for (const s of statements) expect([s.Action].flat()).not.toContain('*');
  });

  it('adds its grants to a brought role instead of creating one', () => {
    const stack = newStack();
    const { datastore, table } = roleFixture(stack);
    const role = iam.Role.fromRoleArn(stack, 'Mine', 'arn:aws:iam::123456789012:role/sfn');
    expect(new MetaflowStateMachineRole(stack, 'Sfn', { queues: [], coordinationTable: table, datastore, stateMachinePrefix: 'mf', role }).role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: ['sfn'] });
  });

  it('refuses a prefix whose grants would reach state machines not its own', () => {
    const stack = newStack();
    const { datastore, table } = roleFixture(stack);
    expect(problemsOf(() => new MetaflowStateMachineRole(stack, 'Wide', { queues: [], coordinationTable: table, datastore, stateMachinePrefix: 'a*' }))).toEqual([expect.objectContaining({ where: 'Test/Wide', field: 'stateMachinePrefix', value: 'a*' })]);
  });
});
