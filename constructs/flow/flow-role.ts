import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { coordinationPrefix, mapResultsPrefix } from '../../lib/compile/fanout';
import { JOB_OWNER_TAG } from '../../lib/runtime/naming';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';
import { acknowledgeWildcardResource } from '../security/acknowledgements';
import { LOG_DELIVERY_ACTIONS, XRAY_ACTIONS } from '../security/state-machine-role';
import { statesPrincipal } from '../security/trust';
import { JOB_DEFINITION_HASH_LENGTH, jobDefinitionNamePrefix } from './job-definitions';


export interface FlowRoleProps {
  readonly flowName: string;
  readonly stateMachineName: string;
  readonly infrastructure: IMetaflowInfrastructure;
  /** Names of the queues the flow's steps use. */
  readonly queueNames: readonly string[];
  readonly functions: readonly lambda.IFunction[];
  /** The definition has a Distributed Map: child executions, item manifests and results. */
  readonly distributedMap: boolean;
}

/**
 * The role of one flow's state machine: submit this flow's job definitions (every retained revision, so executions
 * started before a deploy keep working, and no other flow's) to the queues its steps use, stop and tag only jobs that
 * carry its owner tag, describe jobs, invoke its coordination Lambdas and, with a Distributed Map, read its item
 * manifests, write its results and run its own child executions.
 */
export class FlowRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FlowRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const infra = props.infrastructure;
    const arn = (service: string, resource: string, resourceName: string, colon = false) =>
      stack.formatArn({ service, resource, resourceName, ...(colon ? { arnFormat: ArnFormat.COLON_RESOURCE_NAME } : {}) });
    this.role = new iam.Role(this, 'Resource', {
      assumedBy: statesPrincipal(this),
      description: `State machine of flow ${props.flowName}`,
      ...(infra.permissionsBoundary ? { permissionsBoundary: infra.permissionsBoundary } : {}),
    });
    const add = (s: iam.PolicyStatementProps) => this.role.addToPolicy(new iam.PolicyStatement(s));
    const queues = infra.queues.filter((q) => props.queueNames.includes(q.name)).map((q) => q.queue.jobQueueArn);
    // `<flow>-` and exactly the hash's length of characters, then any revision: flow `Train` cannot reach the job
    // definitions of a flow `Train-eval` (`Train-eval-<hash>` is longer).
    const jobDefinitions = arn('batch', 'job-definition', `${jobDefinitionNamePrefix(props.flowName)}${'?'.repeat(JOB_DEFINITION_HASH_LENGTH)}:*`);
    add({ sid: 'SubmitFlowJobs', actions: ['batch:SubmitJob'], resources: [...queues, jobDefinitions] });
    const jobs = arn('batch', 'job', '*');
    add({ sid: 'StopOwnJobs', actions: ['batch:TerminateJob'], resources: [jobs], conditions: { StringEquals: { [`aws:ResourceTag/${JOB_OWNER_TAG}`]: props.stateMachineName } } });
    add({ sid: 'TagOwnJobs', actions: ['batch:TagResource'], resources: [jobs], conditions: { StringEquals: { [`aws:RequestTag/${JOB_OWNER_TAG}`]: props.stateMachineName } } });
    add({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] });
    add({
      sid: 'BatchSyncRule',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [arn('events', 'rule', 'StepFunctionsGetEventsForBatchJobsRule')],
    });
    // A Metaflow flow has no coordination Lambdas.
    if (props.functions.length > 0) add({ sid: 'CoordinationLambdas', actions: ['lambda:InvokeFunction'], resources: props.functions.map((f) => f.functionArn) });
    acknowledgeWildcardResource(this, jobDefinitions, ['batch:SubmitJob'], 'every content-hashed revision of this flow\'s job definitions stays submittable, so a deploy never breaks a running execution; the name pattern matches this flow\'s job definitions only');
    acknowledgeWildcardResource(this, jobs, ['batch:TerminateJob', 'batch:TagResource'], `job ids exist only at run time; both actions are conditioned on the ${JOB_OWNER_TAG} tag holding this state machine's name`);
    acknowledgeWildcardResource(this, '*', ['batch:DescribeJobs', ...XRAY_ACTIONS, ...LOG_DELIVERY_ACTIONS], 'batch:DescribeJobs, X-Ray and CloudWatch Logs delivery have no resource-level permissions');

    if (props.distributedMap) {
      const bucket = infra.datastore.bucket;
      const prefix = infra.datastore.rootPrefix;
      const manifestPrefix = `${coordinationPrefix(prefix, props.flowName)}/foreach`;
      const resultsPrefix = mapResultsPrefix(prefix, props.flowName);
      const manifests = bucket.arnForObjects(`${manifestPrefix}/*`);
      const results = bucket.arnForObjects(`${resultsPrefix}/*`);
      add({ sid: 'ReadItemManifests', actions: ['s3:GetObject'], resources: [manifests] });
      add({ sid: 'WriteMapResults', actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [results] });
      // Listing only below the flow's own results: never the whole datastore.
      add({ sid: 'ListResults', actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [resultsPrefix, `${resultsPrefix}/*`] } } });
      const key = infra.datastore.encryptionKey;
      if (key) add({ sid: 'DatastoreKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] });
      const self = arn('states', 'stateMachine', props.stateMachineName, true);
      const children = arn('states', 'execution', `${props.stateMachineName}/*`, true);
      add({ sid: 'DistributedMapChildren', actions: ['states:StartExecution'], resources: [self] });
      add({ sid: 'DistributedMapChildrenStatus', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [children] });
      acknowledgeWildcardResource(this, manifests, ['s3:GetObject'], 'item manifests are written per run under this flow\'s coordination prefix');
      acknowledgeWildcardResource(this, results, ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], 'Distributed Map results are written per run under this flow\'s coordination prefix');
      acknowledgeWildcardResource(this, children, ['states:DescribeExecution', 'states:StopExecution'], 'child executions of this state machine get names at run time');
    }
  }
}
