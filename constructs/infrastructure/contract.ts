import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IMetaflowMetadataService } from '../metadata-service/metadata-service';

/**
 * What a flow needs from the infrastructure it runs on. `MetaflowInfrastructure` implements it;
 * a platform team that provisions these resources another way can implement it too and pass it to `MetaflowFlow`.
 */
export interface IMetaflowInfrastructure {
  readonly datastore: IMetaflowDatastoreRef;
  readonly coordinationTable: dynamodb.ITable;
  /** Queues by name; the compiler routes each step to one of them. */
  readonly queues: readonly MetaflowQueueRef[];
  /** Name of the queue steps use when they name none. */
  readonly defaultQueueName: string;
  /** Role for Batch jobs of flows deployed outside `MetaflowFlow` (Metaflow's own `step-functions create`); each `MetaflowFlow` has its own. */
  readonly jobRole: iam.IRole;
  /** Execution role for Fargate jobs (pulls images, writes logs, reads secrets). */
  readonly executionRole: iam.IRole;
  /**
   * Secrets generic steps may name (Batch injects them). Nothing reads them by default: each flow's own job or
   * execution role is granted exactly the secrets its steps name.
   */
  readonly secrets: readonly secretsmanager.ISecret[];
  /** Applied to every role the library creates, flows included. */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * State machines are named `<stateMachinePrefix>_<flow>` (Metaflow's `METAFLOW_SFN_STATE_MACHINE_PREFIX`);
   * `stateMachineRole` and `eventsRole` may act only on `stateMachine:<stateMachinePrefix>_*`.
   */
  readonly stateMachinePrefix?: string;
  /** Role state machines may run with (`METAFLOW_SFN_IAM_ROLE`): submits to `queues`, reads the table, Distributed Map. */
  readonly stateMachineRole?: iam.IRole;
  /** Role EventBridge rules and Scheduler schedules use to start `<stateMachinePrefix>_*` state machines. */
  readonly eventsRole?: iam.IRole;
  /** Log group for state machine execution logs (`METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN`). */
  readonly executionLogGroup?: logs.ILogGroup;
  /**
   * Metaflow metadata service the jobs register runs with: Metaflow steps run with `--metadata=service`, and its
   * `headersSecret` reaches every job as the Batch secret `METAFLOW_SERVICE_HEADERS` (`executionRole` must read it).
   */
  readonly metadataService?: IMetaflowMetadataService;
}

export interface IMetaflowDatastoreRef {
  readonly bucket: s3.IBucket;
  /** Key prefix under which Metaflow writes, without leading or trailing slash (e.g. `metaflow`). */
  readonly rootPrefix: string;
  /** `s3://<bucket>/<rootPrefix>`: Metaflow's `METAFLOW_DATASTORE_SYSROOT_S3`. */
  readonly sysroot: string;
  readonly encryptionKey?: kms.IKey;
  grantRead(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  grantReadWrite(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
}

export type ComputePlatform = 'EC2' | 'FARGATE';

/** What the compute environments behind a queue can give a job: the compiler checks each step against it. */
export interface QueueCapabilities {
  readonly platform: ComputePlatform;
  /** Any environment of the queue has GPU instances. */
  readonly gpu: boolean;
  /** Any environment of the queue has Inferentia or Trainium instances. */
  readonly neuron: boolean;
  /** Any environment of the queue is spot (EC2 spot or Fargate Spot). */
  readonly spot: boolean;
  /** Largest max vCPUs among the queue's environments (no job can ask for more). */
  readonly maxVcpus: number;
}

export interface MetaflowQueueRef {
  readonly name: string;
  readonly queue: batch.IJobQueue;
  readonly capabilities: QueueCapabilities;
}
