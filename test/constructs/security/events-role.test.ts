import { Template } from 'aws-cdk-lib/assertions';
import { MetaflowEventsRole } from '../../../constructs/security/events-role';
import { newStack, statementsOfRole } from '../support';

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
    expect(JSON.stringify(statement.Resource)).toContain(':states:eu-west-1:123456789012:stateMachine:mf*');
  });
});
