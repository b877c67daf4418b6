import { Duration, RemovalPolicy, type SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { METADATA_DATABASE_NAME, METADATA_DATABASE_USER, type PasswordSource } from '../../lib/infrastructure/metadata-service';
import { acknowledgeMetadataDatabase } from './acknowledgements';

/** Where the run metadata lives. */
export enum MetadataDatabaseEngine {
  /** Aurora PostgreSQL Serverless v2: scales in ACUs and, with minimum capacity 0, pauses when idle. */
  AURORA_SERVERLESS_V2 = 'aurora-serverless-v2',
  /** One RDS for PostgreSQL instance (Multi-AZ by default). */
  RDS_POSTGRES = 'rds-postgres',
}

export interface MetadataDatabaseOptions {
  /**
   * Engine of the database.
   * @default MetadataDatabaseEngine.AURORA_SERVERLESS_V2
   */
  readonly engine?: MetadataDatabaseEngine;
  /**
   * Aurora Serverless v2 minimum capacity in ACUs; 0 lets the database pause when no connection is open. Refused with
   * the RDS engine.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Aurora Serverless v2 maximum capacity in ACUs. Refused with the RDS engine.
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * Instance type of the RDS engine. Refused with Aurora.
   * @default t4g.small
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * RDS engine: a standby in a second zone. Refused with Aurora.
   * @default true
   */
  readonly multiAz?: boolean;
  /**
   * Master credentials. A password in plain text (`rds.Credentials.fromPassword(user, SecretValue.unsafePlainText(...))`)
   * is refused at synth; pass `rds.Credentials.fromSecret(secret)` to bring your own.
   * @default - user `metaflow` with a generated password in a new Secrets Manager secret
   */
  readonly credentials?: rds.Credentials;
  /**
   * Rotation interval of the credentials secret, 4 hours to 1000 days in whole hours; `Duration.days(0)` turns rotation off.
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * Automated backup retention, 1 to 35 whole days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * KMS key of the storage.
   * @default - the AWS managed key for RDS
   */
  readonly storageEncryptionKey?: kms.IKey;
  /**
   * Refuse deletion (by anyone, CloudFormation included) until turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the database when it leaves the stack.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface MetadataDatabaseProps extends MetadataDatabaseOptions {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
}

/** The created database, as the service needs it. */
export interface MetadataDatabase {
  readonly resource: rds.DatabaseCluster | rds.DatabaseInstance;
  readonly endpoint: rds.Endpoint;
  /** Username and password (fields `username`, `password`). */
  readonly secret: secretsmanager.ISecret;
}

/** Where a password given in `credentials` comes from. */
export function passwordSource(scope: Construct, credentials: rds.Credentials | undefined): PasswordSource {
  if (credentials === undefined || credentials.secret !== undefined) return 'secret';
  const password: SecretValue | undefined = credentials.password;
  if (password === undefined) return 'secret';
  const resolved = Stack.of(scope).resolve(password);
  return typeof resolved === 'string' && !resolved.startsWith('{{resolve:') ? 'plain-text' : 'reference-without-secret';
}

/** Aurora Serverless v2 (default) or RDS for PostgreSQL: encrypted, private, credentials rotated, deletion protected. */
export function createMetadataDatabase(scope: Construct, id: string, props: MetadataDatabaseProps): MetadataDatabase {
  const credentials = props.credentials ?? rds.Credentials.fromGeneratedSecret(METADATA_DATABASE_USER);
  const common = {
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: [props.securityGroup],
    credentials,
    storageEncrypted: true,
    ...(props.storageEncryptionKey ? { storageEncryptionKey: props.storageEncryptionKey } : {}),
    deletionProtection: props.deletionProtection ?? true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
    iamAuthentication: true,
    copyTagsToSnapshot: true,
    cloudwatchLogsExports: ['postgresql'],
  };
  const backupRetention = props.backupRetention ?? Duration.days(7);
  let resource: rds.DatabaseCluster | rds.DatabaseInstance;
  if ((props.engine ?? MetadataDatabaseEngine.AURORA_SERVERLESS_V2) === MetadataDatabaseEngine.AURORA_SERVERLESS_V2) {
    resource = new rds.DatabaseCluster(scope, id, {
      ...common,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: props.minCapacity ?? 0,
      serverlessV2MaxCapacity: props.maxCapacity ?? 2,
      defaultDatabaseName: METADATA_DATABASE_NAME,
      backup: { retention: backupRetention },
    });
  } else {
    resource = new rds.DatabaseInstance(scope, id, {
      ...common,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_9 }),
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      multiAz: props.multiAz ?? true,
      databaseName: METADATA_DATABASE_NAME,
      backupRetention,
      autoMinorVersionUpgrade: true,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
    });
  }
  const secret = resource.secret!;
  const rotation = props.rotationInterval ?? Duration.days(30);
  if (rotation.toSeconds() > 0) resource.addRotationSingleUser({ automaticallyAfter: rotation, vpcSubnets: props.vpcSubnets });
  const endpoint = resource instanceof rds.DatabaseCluster ? resource.clusterEndpoint : resource.instanceEndpoint;
  acknowledgeMetadataDatabase(resource, rotation.toSeconds() > 0);
  return { resource, endpoint, secret };
}
