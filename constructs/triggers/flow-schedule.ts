import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ProblemCollector } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { scheduleExpression, scheduleProblems } from '../../lib/graph/rules/schedule';
import type { ScheduleSpec } from '../../lib/graph/model';
import { EXECUTION_INPUT } from '../../lib/runtime/naming';

export interface FlowScheduleProps {
  readonly stateMachine: sfn.IStateMachine;
  /** `@schedule`: cron, rate, hourly, daily or weekly, in a time zone. */
  readonly schedule: ScheduleSpec;
  /**
   * Role EventBridge Scheduler assumes to start the state machine.
   * @default - a new role that may start only this state machine
   */
  readonly role?: iam.IRole;
  /**
   * Parameters every scheduled run gets (the flow's defaults fill the rest).
   * @default - none: defaults only
   */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /**
   * Where EventBridge Scheduler puts a run it could not start (after its retries), instead of dropping it.
   * @default - none: a run that cannot be started is lost
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Permissions boundary of the new role.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/** Starts a flow on a schedule through EventBridge Scheduler, which (unlike EventBridge rules) honours time zones. */
export class FlowSchedule extends Construct {
  readonly schedule: scheduler.CfnSchedule;
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: FlowScheduleProps) {
    super(scope, id);
    const problems = new ProblemCollector();
    const kinds = propKindProblems(this.node.path, props, {
      stateMachine: { kind: 'construct', required: true, fix: 'import it, e.g. sfn.StateMachine.fromStateMachineArn(this, "Flow", arn)' },
      schedule: { kind: 'object', required: true, fix: 'write e.g. { cron: "0 6 * * ? *" } or { daily: true }' },
      role: 'construct',
      parameters: 'record',
      deadLetterQueue: 'construct',
      permissionsBoundary: 'construct',
    });
    if (!kinds.some((p) => p.field === 'schedule')) problems.addAll(scheduleProblems(`${this.node.path} schedule`, props.schedule));
    problems.addAll(kinds);
    problems.throwIfAny();
    const role =
      props.role ??
      new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
        description: 'Starts a scheduled flow run: this state machine only',
        ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
      });
    props.stateMachine.grantStartExecution(role);
    // Scheduler sends undeliverable runs with the schedule's own role.
    props.deadLetterQueue?.grantSendMessages(role);
    this.role = role;
    this.schedule = new scheduler.CfnSchedule(this, 'Resource', {
      scheduleExpression: scheduleExpression(props.schedule),
      scheduleExpressionTimezone: props.schedule.timezone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      description: `metaflow-cdk schedule of ${props.stateMachine.node.path}`,
      target: {
        arn: props.stateMachine.stateMachineArn,
        roleArn: role.roleArn,
        input: JSON.stringify({ [EXECUTION_INPUT.parameters]: props.parameters ?? {}, [EXECUTION_INPUT.user]: 'scheduler' }),
        retryPolicy: { maximumRetryAttempts: 3 },
        ...(props.deadLetterQueue ? { deadLetterConfig: { arn: props.deadLetterQueue.queueArn } } : {}),
      },
    });
  }
}
