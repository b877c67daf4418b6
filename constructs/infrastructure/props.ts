import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ComputeEnvironmentOptions, IMetaflowComputeEnvironment } from '../compute/compute-environment';
import type { MetaflowCoordinationTableProps } from '../coordination/coordination-table';
import type { MetaflowDatastoreProps } from '../datastore/datastore';
import type { PermissionsBoundaryInput } from '../security/permissions-boundary';
import type { IMetaflowDatastoreRef, MetaflowQueueRef } from './contract';
import type { IMetaflowMetadataService, MetaflowMetadataServiceOptions } from '../metadata-service/metadata-service';
import type { MetaflowQueueOptions } from './defaults';
import type { MetaflowNetworkProps } from './network';

export interface MetaflowInfrastructureProps {
  /**
   * VPC for the compute environments.
   * @default - a new VPC (`MetaflowNetwork`): 2 AZs, private subnets with one NAT gateway, S3/DynamoDB endpoints, flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Options of the VPC created when `vpc` is not given.
   * @default - see `MetaflowNetworkProps`
   */
  readonly network?: MetaflowNetworkProps;
  /**
   * Subnets of the VPC.
   * @default - private subnets with egress when the VPC has them, else public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of all compute environments.
   * @default - one new group with no ingress
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Options of the datastore created when `existingDatastore` is not given.
   * @default - a new bucket, SSE-S3, access logs, prefix `metaflow`, retained
   */
  readonly datastore?: MetaflowDatastoreProps;
  /**
   * A datastore to use instead of creating one (e.g. `MetaflowDatastore.fromBucket`).
   * @default - a new datastore
   */
  readonly existingDatastore?: IMetaflowDatastoreRef;
  /**
   * Options of the coordination table created when `existingCoordinationTable` is not given.
   * @default - on demand, AWS-managed encryption, point-in-time recovery, retained
   */
  readonly coordinationTable?: MetaflowCoordinationTableProps;
  /**
   * A table with partition key `pathspec` (S) and TTL attribute `ttl`.
   * @default - a new table
   */
  readonly existingCoordinationTable?: dynamodb.ITable;
  /**
   * Compute environments by name: options (see `ComputeEnvironmentPresets`) or existing environments.
   * @default - spot, onDemand, gpu and fargate
   */
  readonly computeEnvironments?: Record<string, ComputeEnvironmentOptions | IMetaflowComputeEnvironment>;
  /**
   * Queues over the compute environments. Required when `computeEnvironments` is given.
   * @default - cpu (spot, then onDemand), gpu, fargate
   */
  readonly queues?: MetaflowQueueOptions[];
  /**
   * Queues created elsewhere, added to `queues`.
   * @default - none
   */
  readonly existingQueues?: MetaflowQueueRef[];
  /**
   * Queue for steps that name none, and Metaflow's `METAFLOW_BATCH_JOB_QUEUE`.
   * @default - the first queue
   */
  readonly defaultQueueName?: string;
  /**
   * Secrets Manager secrets steps may name. Each flow gets its own roles, granted only the secrets its steps name.
   * @default - none
   */
  readonly secrets?: secretsmanager.ISecret[];
  /**
   * Whether the shared job and execution roles, which flows Metaflow deploys itself use (`step-functions create`,
   * `run --with batch` with the exported config), may read every secret of `secrets`. Any such flow could then read a
   * secret named for one flow only; `MetaflowFlow`s never need it (their roles read exactly what their steps name).
   * @default false
   */
  readonly sharedRolesReadSecrets?: boolean;
  /**
   * ECR repositories the execution role may pull from.
   * @default - every repository of the account and region
   */
  readonly ecrRepositories?: ecr.IRepository[];
  /**
   * Batch job role to use instead of creating one (grants are added to it).
   * @default - a new role
   */
  readonly jobRole?: iam.IRole;
  /**
   * Fargate execution role to use instead of creating one.
   * @default - a new role
   */
  readonly executionRole?: iam.IRole;
  /**
   * Step Functions role to use instead of creating one.
   * @default - a new role
   */
  readonly stateMachineRole?: iam.IRole;
  /**
   * EventBridge/Scheduler role to use instead of creating one.
   * @default - a new role
   */
  readonly eventsRole?: iam.IRole;
  /**
   * Permissions boundary (policy or policy ARN) for every role this construct and the flows on it create.
   * @default - none
   */
  readonly permissionsBoundary?: PermissionsBoundaryInput;
  /**
   * `METAFLOW_SFN_STATE_MACHINE_PREFIX`: state machines are named `<prefix>_<flow>`, and roles may touch only those.
   * @default - the stack name
   */
  readonly stateMachinePrefix?: string;
  /**
   * A Metaflow metadata service: options (`{}` for the defaults) deploy a `MetaflowMetadataService` in this VPC that the
   * jobs may call; an `IMetaflowMetadataService` (`MetaflowMetadataService.fromMetadataServiceAttributes`, or any
   * `{ url, internalUrl }`) uses one deployed elsewhere. Flows then run every Metaflow step with `--metadata=service`.
   * @default - none: `METAFLOW_DEFAULT_METADATA` is `local` and the service keys are not exported
   */
  readonly metadataService?: MetaflowMetadataServiceOptions | IMetaflowMetadataService;
  /**
   * Retention of the state machine execution log group this construct creates.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly executionLogRetention?: logs.RetentionDays;
  /**
   * Log group for state machine execution logs, instead of creating one.
   * @default - a new log group, retained
   */
  readonly executionLogGroup?: logs.ILogGroup;
  /**
   * Default image of Metaflow steps (`METAFLOW_BATCH_CONTAINER_IMAGE`).
   * @default - not exported; Metaflow picks a Python image
   */
  readonly containerImage?: string;
  /**
   * Emit the config keys and JSON as stack outputs (one infrastructure per stack when on).
   * @default true
   */
  readonly exportConfig?: boolean;
}
