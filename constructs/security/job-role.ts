import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { datastoreRefProblems } from '../datastore/datastore';
import { DATATOOLS_SUFFIX, flowJobWritePatterns } from '../../lib/infrastructure/datastore-rules';
import { MetaflowCoordinationTable } from '../coordination/coordination-table';
import type { IMetaflowDatastoreRef } from '../infrastructure/contract';
import { acknowledgeWildcardResource } from './acknowledgements';
import { grantSecretsRead } from './secrets';
import { ecsTasksPrincipal } from './trust';

/** Log group Batch jobs write to unless a job definition names another. */
export const BATCH_JOB_LOG_GROUP = '/aws/batch/job';

export const DATASTORE_OBJECTS_REASON =
  'Metaflow names objects by content hash under the sysroot, so keys are unknown in advance; the grant stops at the datastore prefix.';
export const FLOW_OBJECTS_REASON =
  "Metaflow names a flow's objects by run, task and content hash, so keys are unknown in advance; writes stop at the flow's own prefixes.";
export const DATASTORE_READS_REASON =
  "Metaflow's client reads other flows' artifacts by key (Flow('Other').latest_run.data); reads span the datastore, writes do not.";
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
  /**
   * The one flow whose jobs assume the role: they read the whole datastore but write only that flow's prefixes
   * (`<Flow>/`, `data/<Flow>/`, `mf.cards/<Flow>/`), so no flow can overwrite another's artifacts.
   * @default - none: the jobs write the whole datastore (the shared role of flows deployed by Metaflow itself)
   */
  readonly flowName?: string;
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
 * The role Batch jobs assume (`METAFLOW_ECS_S3_ACCESS_IAM_ROLE`, or one flow's): the datastore prefix (one flow's: its
 * own prefixes to write, the datastore to read), the coordination table items,
 * the named secrets, its own log streams, and nothing else. Presigned S3 requests are denied, so credentials leaked
 * from a task cannot mint download links.
 */
export class MetaflowJobRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MetaflowJobRoleProps) {
    super(scope, id);
    const kinds = [...datastoreRefProblems(this.node.path, 'datastore', props.datastore), ...propKindProblems(this.node.path, props, {
      coordinationTable: { kind: 'construct', required: true, fix: "pass the infrastructure's coordinationTable (a dynamodb.ITable)" }, secrets: 'construct list', role: 'construct', description: 'string', flowName: 'string',
      permissionsBoundary: { kind: 'construct', fix: 'import the policy, e.g. iam.ManagedPolicy.fromManagedPolicyArn(this, "Boundary", arn)' },
    })];
    if (kinds.length > 0) throw new ValidationError(kinds);
    if (props.flowName === DATATOOLS_SUFFIX) {
      throw new ValidationError([{
        where: this.node.path, field: 'flowName', value: props.flowName,
        message: `a flow named "${DATATOOLS_SUFFIX}" writes under <sysroot>/${DATATOOLS_SUFFIX}/, where every flow's metaflow.S3 objects are (METAFLOW_DATATOOLS_S3ROOT), so its jobs could overwrite them`,
        fix: 'rename the flow',
      }]);
    }
    this.role = props.role ?? new iam.Role(this, 'Resource', {
      assumedBy: ecsTasksPrincipal(this),
      description: props.description ?? 'Metaflow Batch job role: datastore prefix, coordination table, named secrets',
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    this.grantDatastore(props.datastore, props.flowName);
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
  }

  private grantDatastore(datastore: IMetaflowDatastoreRef, flowName: string | undefined): void {
    const objects = (pattern: string): string => datastore.bucket.arnForObjects(`${datastore.rootPrefix}/${pattern}`);
    if (flowName === undefined) {
      datastore.grantReadWrite(this.role);
      acknowledgeWildcardResource(this, objects('*'), DATASTORE_READ_WRITE_ACTIONS, DATASTORE_OBJECTS_REASON);
      return;
    }
    datastore.grantRead(this.role);
    acknowledgeWildcardResource(this, objects('*'), ['s3:GetObject'], DATASTORE_READS_REASON);
    for (const pattern of flowJobWritePatterns(flowName)) {
      datastore.grantReadWrite(this.role, pattern);
      acknowledgeWildcardResource(this, objects(pattern), DATASTORE_READ_WRITE_ACTIONS, FLOW_OBJECTS_REASON);
    }
  }
}
