import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { validateStateMachinePrefix } from '../../lib/infrastructure/security-rules';
import { datastoreRefProblems } from '../datastore/datastore';
import { SAFE_SYSROOT_SUBPREFIXES } from '../../lib/infrastructure/datastore-rules';
import type { IMetaflowDatastoreRef, MetaflowQueueRef } from '../infrastructure/contract';
import { acknowledgeWildcardResource } from './acknowledgements';
import { DATASTORE_READ_WRITE_ACTIONS } from './job-role';
import { STATE_MACHINES_REASON, denyFlowStateMachines, executionArnPattern, stateMachineArnPattern } from './events-role';
import { statesPrincipal } from './trust';
import { JOB_OWNER_TAG } from '../../lib/runtime/naming';

export const DISTRIBUTED_MAP_RESULTS_REASON =
  'Distributed Map result files get names generated per run; the grant stops at the sfn_distributed_map_output prefix of the datastore.';

/** What `sfn.StateMachine` grants for X-Ray tracing; X-Ray has no resource-level permissions. */
export const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'];

/** CloudWatch Logs delivery actions a state machine role needs to log executions; none has resource-level permissions. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/** The EventBridge rule Step Functions manages for `.sync` Batch integrations. */
export const BATCH_SYNC_RULE = 'StepFunctionsGetEventsForBatchJobsRule';

/** Metaflow's Batch client names the job definitions it registers `metaflow_<sha of the definition>`. */
export const METAFLOW_JOB_DEFINITION_PREFIX = 'metaflow_';

export interface MetaflowStateMachineRoleProps {
  /** Queues the state machines submit jobs to. */
  readonly queues: readonly MetaflowQueueRef[];
  readonly coordinationTable: dynamodb.ITable;
  /** For Distributed Map manifests and results under the sysroot. */
  readonly datastore: IMetaflowDatastoreRef;
  /** State machines are named `<stateMachinePrefix>_*`; Distributed Map starts child executions of them. */
  readonly stateMachinePrefix: string;
  /**
   * An existing role to use; the grants are added to it.
   * @default - a new role assumable by Step Functions from this account
   */
  readonly role?: iam.IRole;
}

/**
 * The role state machines run with (`METAFLOW_SFN_IAM_ROLE`): submit to this infrastructure's queues, stop and
 * describe jobs, read the foreach width, run Distributed Map children of its own state machines (results under
 * `<rootPrefix>/sfn_distributed_map_output/` only), and deliver logs.
 */
export class MetaflowStateMachineRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowStateMachineRoleProps) {
    super(scope, id);
    // Its grants cover `<prefix>_*`: a prefix like `*` would reach every state machine of the account.
    const problems = [
      ...propKindProblems(this.node.path, props, { queues: { kind: 'object list', fix: 'pass the queues as MetaflowQueueRef objects (MetaflowJobQueue, or MetaflowJobQueue.fromJobQueueArn), even for one' }, coordinationTable: 'construct', role: 'construct' }),
      ...datastoreRefProblems(this.node.path, 'datastore', props.datastore),
      ...validateStateMachinePrefix(this.node.path, props.stateMachinePrefix),
    ];
    if (problems.length > 0) throw new ValidationError(problems);
    const stack = Stack.of(this);
    const arn = (service: string, resource: string, resourceName: string) => stack.formatArn({ service, resource, resourceName });
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: statesPrincipal(this),
      description: 'Metaflow state machines: submit and stop Batch jobs, read foreach widths, run Distributed Map children',
    });
    const add = (statement: iam.PolicyStatementProps) => this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    const metaflowJobDefinitions = arn('batch', 'job-definition', `${METAFLOW_JOB_DEFINITION_PREFIX}*`);

    add({
      sid: 'SubmitJobs',
      actions: ['batch:SubmitJob'],
      // Metaflow's `step-functions create` registers job definitions named `metaflow_<hash>` after this role exists.
      resources: [...props.queues.map((q) => q.queue.jobQueueArn), metaflowJobDefinitions],
    });
    add({ sid: 'ManageJobs', actions: ['batch:TerminateJob', 'batch:TagResource'], resources: [arn('batch', 'job', '*')] });
    // ...but not the jobs of a MetaflowFlow, which carry their owner tag (their own role stops them).
    add({
      sid: 'KeepOffMetaflowFlowJobs',
      effect: iam.Effect.DENY,
      actions: ['batch:TerminateJob', 'batch:TagResource'],
      resources: [arn('batch', 'job', '*')],
      conditions: { Null: { [`aws:ResourceTag/${JOB_OWNER_TAG}`]: 'false' } },
    });
    // DescribeJobs has no resource-level permissions.
    add({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] });
    add({
      sid: 'BatchSyncRule',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [arn('events', 'rule', BATCH_SYNC_RULE)],
    });
    props.coordinationTable.grant(this.role, 'dynamodb:GetItem');
    props.coordinationTable.encryptionKey?.grantDecrypt(this.role);
    // Metaflow's Distributed Map writes results under METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH and re-reads their
    // manifest; the state machine touches nothing else of the datastore, so the artifacts stay out of its reach.
    const mapOutput = `${SAFE_SYSROOT_SUBPREFIXES.distributedMapOutput}/*`;
    props.datastore.grantReadWrite(this.role, mapOutput);
    add({
      sid: 'DistributedMapResultUploads',
      actions: ['s3:ListMultipartUploadParts'],
      resources: [props.datastore.bucket.arnForObjects(`${props.datastore.rootPrefix}/${mapOutput}`)],
    });
    add({ sid: 'DistributedMapChildren', actions: ['states:StartExecution'], resources: [stateMachineArnPattern(stack, props.stateMachinePrefix)] });
    add({
      sid: 'DistributedMapChildrenStatus',
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [executionArnPattern(stack, props.stateMachinePrefix)],
    });
    this.role.addToPrincipalPolicy(denyFlowStateMachines(stack, props.stateMachinePrefix, ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution']));
    add({
      sid: 'LogDelivery',
      // CloudWatch Logs delivery APIs have no resource-level permissions.
      actions: LOG_DELIVERY_ACTIONS,
      resources: ['*'],
    });

    acknowledgeWildcardResource(this, '*', ['batch:DescribeJobs', ...LOG_DELIVERY_ACTIONS], 'batch:DescribeJobs and the CloudWatch Logs delivery actions have no resource-level permissions.');
    acknowledgeWildcardResource(this, metaflowJobDefinitions, ['batch:SubmitJob'], 'Metaflow\'s step-functions create registers job definitions named metaflow_<hash> after this role exists; SubmitJob is still limited to this infrastructure\'s queues.');
    acknowledgeWildcardResource(this, arn('batch', 'job', '*'), ['batch:TerminateJob', 'batch:TagResource'], 'Jobs of state machines deployed by Metaflow\'s own step-functions create carry no tag this role could be conditioned on; the .sync integration stops them when an execution is aborted. Flows deployed with MetaflowFlow use their own role, limited to their own jobs by tag.');
    acknowledgeWildcardResource(this, stateMachineArnPattern(stack, props.stateMachinePrefix), ['states:StartExecution'], STATE_MACHINES_REASON);
    acknowledgeWildcardResource(this, executionArnPattern(stack, props.stateMachinePrefix), ['states:DescribeExecution', 'states:StopExecution'], 'Distributed Map child executions get generated names under this infrastructure\'s state machines.');
    acknowledgeWildcardResource(this, props.datastore.bucket.arnForObjects(`${props.datastore.rootPrefix}/${mapOutput}`), [...DATASTORE_READ_WRITE_ACTIONS, 's3:ListMultipartUploadParts'], DISTRIBUTED_MAP_RESULTS_REASON);
  }
}
