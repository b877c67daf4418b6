import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { coordinationPrefix, mapResultsPrefix } from '../../lib/compile/fanout';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';
import { acknowledgeWildcardResource } from '../security/acknowledgements';
import { jobDefinitionNamePrefix } from './job-definitions';

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
 * started before a deploy keep working) to the queues its steps use, stop and describe jobs, invoke its coordination
 * Lambdas and, with a Distributed Map, read its item manifests, write its results and run its child executions.
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
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `State machine of flow ${props.flowName}`,
      ...(infra.permissionsBoundary ? { permissionsBoundary: infra.permissionsBoundary } : {}),
    });
    const add = (s: iam.PolicyStatementProps) => this.role.addToPolicy(new iam.PolicyStatement(s));
    const queues = infra.queues.filter((q) => props.queueNames.includes(q.name)).map((q) => q.queue.jobQueueArn);
    const jobDefinitions = arn('batch', 'job-definition', `${jobDefinitionNamePrefix(props.flowName)}*`);
    add({ sid: 'SubmitFlowJobs', actions: ['batch:SubmitJob'], resources: [...queues, jobDefinitions] });
    const jobs = arn('batch', 'job', '*');
    add({ sid: 'StopAndTagJobs', actions: ['batch:TerminateJob', 'batch:TagResource'], resources: [jobs] });
    add({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] });
    add({
      sid: 'BatchSyncRule',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [arn('events', 'rule', 'StepFunctionsGetEventsForBatchJobsRule')],
    });
    // A Metaflow flow has no coordination Lambdas.
    if (props.functions.length > 0) add({ sid: 'CoordinationLambdas', actions: ['lambda:InvokeFunction'], resources: props.functions.map((f) => f.functionArn) });
    acknowledgeWildcardResource(this, jobDefinitions, 'every content-hashed revision of this flow stays submittable, so a deploy never breaks a running execution');
    acknowledgeWildcardResource(this, jobs, 'TerminateJob and TagResource act on job ids that exist only at run time; the ids are this flow\'s jobs');
    acknowledgeWildcardResource(this, '*', 'batch:DescribeJobs, X-Ray and CloudWatch Logs delivery have no resource-level permissions');

    if (props.distributedMap) {
      const bucket = infra.datastore.bucket;
      const prefix = infra.datastore.rootPrefix;
      const manifests = bucket.arnForObjects(`${coordinationPrefix(prefix, props.flowName)}/foreach/*`);
      const results = bucket.arnForObjects(`${mapResultsPrefix(prefix, props.flowName)}/*`);
      add({ sid: 'ReadItemManifests', actions: ['s3:GetObject'], resources: [manifests] });
      add({ sid: 'WriteMapResults', actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [results] });
      add({ sid: 'ListResults', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] });
      const key = infra.datastore.encryptionKey;
      if (key) add({ sid: 'DatastoreKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] });
      const self = arn('states', 'stateMachine', props.stateMachineName, true);
      const children = arn('states', 'execution', `${props.stateMachineName}/*`, true);
      add({ sid: 'DistributedMapChildren', actions: ['states:StartExecution'], resources: [self] });
      add({ sid: 'DistributedMapChildrenStatus', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [children] });
      acknowledgeWildcardResource(this, manifests, 'item manifests are written per run under this flow\'s coordination prefix');
      acknowledgeWildcardResource(this, results, 'Distributed Map results are written per run under this flow\'s coordination prefix');
      acknowledgeWildcardResource(this, children, 'child executions of this state machine get names at run time');
    }
  }
}
