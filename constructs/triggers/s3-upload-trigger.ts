import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Annotations, Resource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { keyWildcard, ruleDescription, triggerProblems } from '../../lib/compile/triggers';
import type { S3TriggerField, S3TriggerSpec } from '../../lib/graph/model';
import { s3TriggerProblems } from '../../lib/graph/rules/flow-fields';
import { EXECUTION_INPUT } from '../../lib/runtime/naming';

export interface S3UploadTriggerProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly trigger: S3TriggerSpec;
  /** Flow name, for error messages. */
  readonly flowName: string;
  /** The flow's datastore: a trigger on it is refused. */
  readonly datastoreBucketName: string;
  readonly datastorePrefix: string;
  /**
   * Role EventBridge assumes to start the state machine.
   * @default - a new role, trusted by EventBridge from this account, that may start only this state machine
   */
  readonly role?: iam.IRole;
  /**
   * Where EventBridge puts an upload event it could not start a run for (after its retries), instead of dropping it.
   * @default - none: such an upload starts no run and leaves no trace
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Permissions boundary of the new role.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/** Where EventBridge's `Object Created` event holds what a trigger hands the run. */
const OBJECT_FIELDS: Record<S3TriggerField, string> = {
  bucket: events.EventField.fromPath('$.detail.bucket.name'),
  key: events.EventField.fromPath('$.detail.object.key'),
};

/**
 * Starts a run when an object lands in S3: an EventBridge rule on `Object Created` (the bucket must send events to
 * EventBridge) with prefix/suffix as one key wildcard; bucket and key reach the run as execution input `Trigger`,
 * which every generic step sees as `MF_TRIGGER_BUCKET` / `MF_TRIGGER_KEY`, and, where the trigger maps them, as flow
 * parameters (the way a Metaflow step reads an event's payload).
 */
export class S3UploadTrigger extends Construct {
  readonly rule: events.Rule;
  /** The role EventBridge starts the run with. */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: S3UploadTriggerProps) {
    super(scope, id);
    const kinds = propKindProblems(this.node.path, props, {
      stateMachine: { kind: 'construct', required: true, fix: 'import it, e.g. sfn.StateMachine.fromStateMachineArn(this, "Flow", arn)' },
      trigger: { kind: 'object', required: true, fix: 'write e.g. { bucket: "landing", prefix: "incoming/" }' },
      flowName: { kind: 'string', required: true, fix: 'name the flow the trigger starts' },
      datastoreBucketName: { kind: 'string', required: true, fix: "pass the datastore bucket's name (the infrastructure's datastore.bucket.bucketName)" },
      datastorePrefix: { kind: 'string', required: true, fix: "pass the datastore's root prefix (the infrastructure's datastore.rootPrefix)" },
      role: 'construct',
      deadLetterQueue: 'construct',
      permissionsBoundary: 'construct',
    });
    if (kinds.length > 0) throw new ValidationError(kinds);
    const problems = [
      ...s3TriggerProblems(`${this.node.path} trigger`, props.trigger),
      ...triggerProblems(props.flowName, [props.trigger], props.datastoreBucketName, props.datastorePrefix),
    ];
    if (problems.length > 0) throw new ValidationError(problems);
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `Starts ${props.flowName} when an object lands: this state machine only`,
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    const wildcard = keyWildcard(props.trigger);
    this.rule = new events.Rule(this, 'Rule', {
      description: ruleDescription(`Run ${props.flowName} on s3://${props.trigger.bucket}/${wildcard ?? '*'}`),
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.trigger.bucket] },
          ...(wildcard ? { object: { key: events.Match.wildcard(wildcard) } } : {}),
        },
      },
    });
    if (props.deadLetterQueue && !Resource.isOwnedResource(props.deadLetterQueue)) {
      // EventBridge sends to a rule's dead-letter queue under the queue's own policy, which CDK writes only for a queue
      // of this app
      Annotations.of(this).addWarningV2(
        'metaflow-cdk:importedDeadLetterQueue',
        `the dead-letter queue ${props.deadLetterQueue.node.path} is imported, so no policy lets EventBridge send to it: give it one allowing sqs:SendMessage to events.amazonaws.com with aws:SourceArn ${this.rule.node.path}'s ARN, or pass a queue created in this app`,
      );
    }
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        role: this.role,
        ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
        input: events.RuleTargetInput.fromObject({
          [EXECUTION_INPUT.parameters]: Object.fromEntries(Object.entries(props.trigger.parameters ?? {}).map(([name, field]) => [name, OBJECT_FIELDS[field]])),
          [EXECUTION_INPUT.trigger]: { bucket: OBJECT_FIELDS.bucket, key: OBJECT_FIELDS.key },
          [EXECUTION_INPUT.user]: 's3-trigger',
        }),
      }),
    );
  }
}
