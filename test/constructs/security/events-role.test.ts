import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MetaflowEventsRole } from '../../../constructs/security/events-role';
import { newStack, problemsOf, statementsOfRole } from '../support';

describe('MetaflowEventsRole', () => {
  it('lets EventBridge and Scheduler from this account start the prefixed state machines only', () => {
    const stack = newStack();
    new MetaflowEventsRole(stack, 'Events', { stateMachinePrefix: 'mf' });
    const t = Template.fromStack(stack);
    const trust = Object.values(t.findResources('AWS::IAM::Role'))[0].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.map((s: { Principal: { Service: string } }) => s.Principal.Service).sort()).toEqual(['events.amazonaws.com', 'scheduler.amazonaws.com']);
    for (const s of trust) expect(s.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    const [statement] = statementsOfRole(t.toJSON() as never, 'Events');
    expect(statement.Action).toBe('states:StartExecution');
    // `mf_*`, not `mf*`: another infrastructure with prefix `mfprod` stays out of reach.
    expect(JSON.stringify(statement.Resource)).toMatch(/:states:eu-west-1:123456789012:stateMachine:mf_\*"\]\]\}$/);
    // ...except the state machines of MetaflowFlows (tagged), whose schedules and triggers have roles of their own
    const deny = statementsOfRole(t.toJSON() as never, 'Events').find((s) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Action: 'states:StartExecution', Condition: { Null: { 'aws:ResourceTag/metaflow-cdk:flow': 'false' } } });
  });

  it('adds its grant to a brought role instead of creating one', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Mine', 'arn:aws:iam::123456789012:role/events');
    expect(new MetaflowEventsRole(stack, 'Events', { stateMachinePrefix: 'mf', role }).role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: ['events'] });
  });

  it('refuses a prefix whose grant would reach state machines not its own', () => {
    for (const stateMachinePrefix of ['*', '', undefined]) {
      expect(problemsOf(() => new MetaflowEventsRole(newStack(), 'Events', { stateMachinePrefix: stateMachinePrefix as string }))).toEqual([expect.objectContaining({ where: 'Test/Events', field: 'stateMachinePrefix', value: stateMachinePrefix })]);
    }
  });
});
