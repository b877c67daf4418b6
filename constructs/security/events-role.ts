import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { validateStateMachinePrefix } from '../../lib/infrastructure/security-rules';
import { FLOW_TAGS } from '../../lib/runtime/naming';
import { acknowledgeWildcardResource } from './acknowledgements';

export interface MetaflowEventsRoleProps {
  /** State machines this role may start: those named `<stateMachinePrefix>_*`. */
  readonly stateMachinePrefix: string;
  /**
   * An existing role to use; the grant is added to it.
   * @default - a new role assumable by EventBridge and EventBridge Scheduler from this account
   */
  readonly role?: iam.IRole;
}

/**
 * The role EventBridge rules and EventBridge Scheduler schedules of Metaflow's own `step-functions create` use to start
 * runs (`METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE`): `states:StartExecution` on this infrastructure's state machines only.
 * Schedules and triggers of a `MetaflowFlow` do not use it: each gets a role that may start its own state machine only.
 */
export class MetaflowEventsRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowEventsRoleProps) {
    super(scope, id);
    // Its grants cover `<prefix>_*`: a prefix like `*` would reach every state machine of the account.
    const problems = [...propKindProblems(this.node.path, props, { role: 'construct' }), ...validateStateMachinePrefix(this.node.path, props.stateMachinePrefix)];
    if (problems.length > 0) throw new ValidationError(problems);
    const stack = Stack.of(this);
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('events.amazonaws.com'),
        new iam.ServicePrincipal('scheduler.amazonaws.com'),
      ).withConditions({ StringEquals: { 'aws:SourceAccount': stack.account } }),
      description: 'Metaflow schedules and event triggers: start this infrastructure\'s state machines',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartRuns',
        actions: ['states:StartExecution'],
        resources: [stateMachineArnPattern(stack, props.stateMachinePrefix)],
      }),
    );
    this.role.addToPrincipalPolicy(denyFlowStateMachines(stack, props.stateMachinePrefix, ['states:StartExecution']));
    acknowledgeWildcardResource(this, stateMachineArnPattern(stack, props.stateMachinePrefix), ['states:StartExecution'], STATE_MACHINES_REASON);
  }
}

export const STATE_MACHINES_REASON =
  'State machines of flows deployed later are named <stateMachinePrefix>_<flow>; the wildcard stops at this infrastructure\'s prefix and its underscore.';

/**
 * `stateMachine:<prefix>_*`. The underscore is Metaflow's separator; without it prefix `mf` would also match the state
 * machines of another infrastructure whose prefix is `mfprod`.
 */
export function stateMachineArnPattern(stack: Stack, prefix: string): string {
  return stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${prefix}_*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Keeps a shared role (used by flows Metaflow itself deploys) off the state machines of `MetaflowFlow`s, which the
 * default names put under the same `<prefix>_` (each flow has roles of its own). Executions carry their state
 * machine's tags for IAM, so the flow tag reaches runs too
 * (https://docs.aws.amazon.com/step-functions/latest/dg/tag-based-policies.html).
 */
export function denyFlowStateMachines(stack: Stack, prefix: string, actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeepOffMetaflowFlowStateMachines',
    effect: iam.Effect.DENY,
    actions: [...actions],
    resources: [stateMachineArnPattern(stack, prefix), executionArnPattern(stack, prefix)],
    conditions: { Null: { [`aws:ResourceTag/${FLOW_TAGS.flowName}`]: 'false' } },
  });
}

/** `execution:<prefix>_*`: executions (and Distributed Map child executions) of those state machines. */
export function executionArnPattern(stack: Stack, prefix: string): string {
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${prefix}_*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
