import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { datastoreRefProblems } from '../datastore/datastore';
import { MetaflowCoordinationTable } from '../coordination/coordination-table';
import type { IMetaflowDatastoreRef } from '../infrastructure/contract';
import { acknowledgeWildcardResource } from './acknowledgements';
import { grantSecretsRead } from './secrets';
import { ecsTasksPrincipal } from './trust';

/** Log group Batch jobs write to unless a job definition names another. */
export const BATCH_JOB_LOG_GROUP = '/aws/batch/job';

export const DATASTORE_OBJECTS_REASON =
  'Metaflow names objects by content hash under the sysroot, so keys are unknown in advance; the grant stops at the datastore prefix.';
const JOB_LOG_STREAMS_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** What `MetaflowDatastore.grantReadWrite` grants on the objects of a prefix. */
export const DATASTORE_READ_WRITE_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'];
export const JOB_LOG_STREAMS_REASON = 'Batch creates one log stream per job attempt with a generated name in the Batch job log group.';

/** Log streams of the Batch job log group. */
export function jobLogStreamsArn(scope: Construct): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: `${BATCH_JOB_LOG_GROUP}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Lets `role` write job log streams in the Batch job log group, acknowledging the stream wildcard on `scope`. */
export function grantJobLogStreams(scope: Construct, role: iam.IRole): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'WriteJobLogs', actions: JOB_LOG_STREAMS_ACTIONS, resources: [jobLogStreamsArn(scope)] }),
  );
  acknowledgeWildcardResource(scope, jobLogStreamsArn(scope), JOB_LOG_STREAMS_ACTIONS, JOB_LOG_STREAMS_REASON);
}

export interface MetaflowJobRoleProps {
  readonly datastore: IMetaflowDatastoreRef;
  readonly coordinationTable: dynamodb.ITable;
  /**
   * Secrets the jobs may read.
   * @default - none
   */
  readonly secrets?: readonly secretsmanager.ISecret[];
  /**
   * An existing role to use; the grants are added to it (import it with `mutable: false` to keep it untouched).
   * @default - a new role assumable by this account's ECS tasks
   */
  readonly role?: iam.IRole;
  /**
   * Permissions boundary of the new role.
   * @default - none, or the one an enclosing `MetaflowInfrastructure` applies
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * What the role is for, in its IAM description.
   * @default 'Metaflow Batch job role: datastore prefix, coordination table, named secrets'
   */
  readonly description?: string;
}

/**
 * The role Batch jobs assume (`METAFLOW_ECS_S3_ACCESS_IAM_ROLE`): the datastore prefix, the coordination table items,
 * the named secrets, its own log streams, and nothing else. Presigned S3 requests are denied, so credentials leaked
 * from a task cannot mint download links.
 */
export class MetaflowJobRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowJobRoleProps) {
    super(scope, id);
    const kinds = [...datastoreRefProblems(this.node.path, 'datastore', props.datastore), ...propKindProblems(this.node.path, props, {
      coordinationTable: { kind: 'construct', required: true, fix: "pass the infrastructure's coordinationTable (a dynamodb.ITable)" }, secrets: 'construct list', role: 'construct', description: 'string',
      permissionsBoundary: { kind: 'construct', fix: 'import the policy, e.g. iam.ManagedPolicy.fromManagedPolicyArn(this, "Boundary", arn)' },
    })];
    if (kinds.length > 0) throw new ValidationError(kinds);
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: ecsTasksPrincipal(this),
      description: props.description ?? 'Metaflow Batch job role: datastore prefix, coordination table, named secrets',
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    props.datastore.grantReadWrite(this.role);
    MetaflowCoordinationTable.grantJobAccessTo(props.coordinationTable, this.role);
    grantSecretsRead(this.role, props.secrets ?? []);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DenyPresignedRequests',
        effect: iam.Effect.DENY,
        actions: ['s3:*'],
        resources: [props.datastore.bucket.bucketArn, props.datastore.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:authType': 'REST-HEADER' } },
      }),
    );
    grantJobLogStreams(this, this.role);
    acknowledgeWildcardResource(this, props.datastore.bucket.arnForObjects(`${props.datastore.rootPrefix}/*`), DATASTORE_READ_WRITE_ACTIONS, DATASTORE_OBJECTS_REASON);
  }
}
