import { Duration, RemovalPolicy, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, DependencyGroup } from 'constructs';
import { type Problem, ProblemCollector, ValidationError } from '../../lib/errors';
import { type PropKindSpec, enumValueProblems, optionsKindProblems, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import {
  DEFAULT_METADATA_SERVICE_IMAGE,
  METADATA_DATABASE_NAME,
  METADATA_DATABASE_SECRET_FIELDS,
  METADATA_SERVICE_COMMAND,
  METADATA_SERVICE_PORT,
  backupRetentionProblems,
  databaseEngineProblems,
  endpointProblems,
  fargateSizeProblems,
  imageProblems,
  internalServiceUrl,
  metadataServiceEnvironment,
  passwordProblems,
  rotationIntervalProblems,
  scalingProblems,
  serviceUrlProblems,
  sourceCidrProblems,
  subnetPlacementProblems,
} from '../../lib/infrastructure/metadata-service';
import { logRetentionProblems } from '../infrastructure/log-retention';
import { acknowledgeServiceLogGroup, acknowledgeServiceTaskDefinition } from './acknowledgements';
import { RestartOnSecretRotation } from './restart-on-rotation';
import { type MetadataDatabaseOptions, MetadataDatabaseEngine, createMetadataDatabase, passwordSource } from './database';
import { type MetadataServiceApiGatewayOptions, createApiGateway, createInternalEndpoint } from './endpoint';
import { MetadataMigration } from './migration';
import { withWritableTmp } from './writable-tmp';
import { ecsTaskRoles } from '../security/trust';

/** A Metaflow metadata service, deployed here or elsewhere: what flows and the config export need of it. */
export interface IMetaflowMetadataService {
  /** `METAFLOW_SERVICE_URL`: what operators' Metaflow clients call. */
  readonly url: string;
  /**
   * `METAFLOW_SERVICE_INTERNAL_URL`: what Batch jobs call.
   * @default - `url`
   */
  readonly internalUrl?: string;
  /**
   * Secret whose whole value is the JSON of `METAFLOW_SERVICE_HEADERS` (e.g. `{"x-api-key": "..."}`); jobs receive it
   * as a Batch secret, so the key never appears in a template or state machine definition.
   * @default - no headers
   */
  readonly headersSecret?: secretsmanager.ISecret;
  /**
   * Security groups of the endpoint: `MetaflowInfrastructure` admits its jobs through them.
   * @default - none: the network path is the caller's to open
   */
  readonly connections?: ec2.Connections;
}

export interface MetaflowMetadataServiceAttributes {
  readonly url: string;
  /** @default - `url` */
  readonly internalUrl?: string;
  /** @default - no headers */
  readonly headersSecret?: secretsmanager.ISecret;
  /** @default - none */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Everything of `MetaflowMetadataServiceProps` but the network, which `MetaflowInfrastructure` provides. */
export interface MetaflowMetadataServiceOptions {
  /**
   * Subnets of the tasks, the load balancer and the database; they must be private.
   * @default - the VPC's private subnets with egress (the image is pulled from Docker Hub)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Image of the service and of its migration task. Names with spaces, `latest` and untagged images are refused.
   * @default 'netflixoss/metaflow_metadata_service:v2.5.0'
   */
  readonly image?: string;
  /**
   * vCPU of one task, in Fargate CPU units (256 = 0.25 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384, paired with a
   * memory Fargate offers for it (e.g. 256 with 0.5 to 2 GiB); other pairs are refused.
   * @default 512
   */
  readonly cpu?: number;
  /**
   * Memory of one task.
   * @default Size.gibibytes(1)
   */
  readonly memory?: Size;
  /**
   * Fewest running tasks.
   * @default 1
   */
  readonly minTasks?: number;
  /**
   * Most running tasks; the service scales between the bounds on CPU.
   * @default 4
   */
  readonly maxTasks?: number;
  /**
   * Average CPU the scaling keeps tasks at, a percentage from 1 to 100.
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * The PostgreSQL database.
   * @default - Aurora Serverless v2, 0 to 2 ACUs, encrypted, generated credentials rotated every 30 days, deletion protection, snapshot on removal
   */
  readonly database?: MetadataDatabaseOptions;
  /**
   * A public, authenticated URL (API Gateway with an API key). Without it the service is reachable only inside the VPC
   * and from `operatorCidrs`.
   * @default - private only
   */
  readonly apiGateway?: MetadataServiceApiGatewayOptions;
  /**
   * Security groups (or other connectables) allowed to call the service, e.g. Batch jobs and Lambdas in the VPC.
   * @default - none; `MetaflowInfrastructure` adds its jobs
   */
  readonly allowFrom?: ec2.IConnectable[];
  /**
   * Operator networks (VPN, Direct Connect, office) allowed to call the internal endpoint: IPv4 CIDR blocks, not `0.0.0.0/0`.
   * @default - none
   */
  readonly operatorCidrs?: string[];
  /**
   * Retention of the service and migration logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

export interface MetaflowMetadataServiceProps extends MetaflowMetadataServiceOptions {
  /** VPC of the service; an existing one works (`ec2.Vpc.fromLookup`). */
  readonly vpc: ec2.IVpc;
  /**
   * Applied to every role the service creates.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * Metaflow's metadata service on AWS: the service on ECS Fargate in private subnets behind an internal Network Load
 * Balancer, scaling between set bounds; PostgreSQL on Aurora Serverless v2 (or RDS), encrypted, credentials in
 * Secrets Manager with rotation, deletion protection and a final snapshot; the schema migrated by a one-shot task on
 * each deploy before the service updates (a failed migration fails the deploy); optionally API Gateway with an API key
 * kept in Secrets Manager.
 */
export class MetaflowMetadataService extends Construct implements IMetaflowMetadataService {
  /** A service deployed elsewhere (another stack, Metaflow's CloudFormation template, Outerbounds). */
  static fromMetadataServiceAttributes(scope: Construct, id: string, attrs: MetaflowMetadataServiceAttributes): IMetaflowMetadataService {
    return new ImportedMetadataService(scope, id, attrs);
  }

  readonly url: string;
  readonly internalUrl: string;
  readonly headersSecret?: secretsmanager.Secret;
  /** The endpoint's security group, port 80: `allowFrom` adds to it. */
  readonly connections: ec2.Connections;
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  /** Forces a new deployment of the service when its database password changes (ECS reads secrets at task start). */
  readonly restartOnRotation: RestartOnSecretRotation;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly serviceSecurityGroup: ec2.SecurityGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly database: rds.DatabaseCluster | rds.DatabaseInstance;
  /** Username and password of the database. */
  readonly databaseSecret: secretsmanager.ISecret;
  readonly migration: MetadataMigration;
  readonly api?: apigw.RestApi;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MetaflowMetadataServiceProps) {
    super(scope, id);
    const kinds = metadataServiceKindProblems(this.node.path, props);
    if (kinds.length > 0) throw new ValidationError(kinds);
    const image = props.image ?? DEFAULT_METADATA_SERVICE_IMAGE;
    const subnetSelection = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const subnets = selectSubnets(props.vpc, subnetSelection);
    this.validate(props, image, subnets);

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    acknowledgeServiceLogGroup(this.logGroup);

    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: true,
      description: `Metaflow metadata service tasks of ${this.node.path}: ingress from its endpoint only`,
    });
    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: false,
      description: `Metaflow metadata database of ${this.node.path}: ingress from the service and its migration only`,
    });
    const db = createMetadataDatabase(this, 'Database', { ...props.database, vpc: props.vpc, vpcSubnets: { subnets: subnets.subnets }, securityGroup: this.databaseSecurityGroup });
    this.database = db.resource;
    this.databaseSecret = db.secret;
    this.database.connections.allowDefaultPortFrom(this.serviceSecurityGroup, 'from the metadata service and its migration');

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const containerImage = ecs.ContainerImage.fromRegistry(image);
    const environment = metadataServiceEnvironment({ host: db.endpoint.hostname, port: String(db.endpoint.port), name: METADATA_DATABASE_NAME });
    const secrets = Object.fromEntries(Object.entries(METADATA_DATABASE_SECRET_FIELDS).map(([name, field]) => [name, ecs.Secret.fromSecretsManager(db.secret, field)]));

    this.migration = new MetadataMigration(this, 'Migration', {
      cluster: this.cluster,
      image: containerImage,
      environment,
      secrets,
      subnets,
      securityGroup: this.serviceSecurityGroup,
      logGroup: this.logGroup,
      logRetention,
      permissionsBoundary: props.permissionsBoundary,
    });
    this.migration.resource.node.addDependency(this.database);

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      ...ecsTaskRoles(this, 'Metaflow metadata service'),
      cpu: props.cpu ?? 512,
      memoryLimitMiB: (props.memory ?? Size.gibibytes(1)).toMebibytes(),
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const memoryMiB = (props.memory ?? Size.gibibytes(1)).toMebibytes();
    const container = this.taskDefinition.addContainer('Service', {
      image: containerImage,
      command: [...METADATA_SERVICE_COMMAND],
      environment,
      secrets,
      portMappings: [{ containerPort: METADATA_SERVICE_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'service', logGroup: this.logGroup }),
      memoryLimitMiB: memoryMiB,
      readonlyRootFilesystem: true,
    });
    withWritableTmp(this.taskDefinition, container);
    acknowledgeServiceTaskDefinition(this.taskDefinition);
    acknowledgeServiceTaskDefinition(this.migration.taskDefinition);

    const minTasks = props.minTasks ?? 1;
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: minTasks,
      vpcSubnets: { subnets: subnets.subnets },
      securityGroups: [this.serviceSecurityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });
    // The new task definition serves only after the schema it needs is in place.
    this.service.node.addDependency(this.migration.resource);
    this.restartOnRotation = new RestartOnSecretRotation(this, 'RestartOnRotation', { secret: db.secret, service: this.service, logRetention, permissionsBoundary: props.permissionsBoundary });
    this.service
      .autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: props.maxTasks ?? 4 })
      .scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.targetCpuPercent ?? 60 });

    const endpoint = createInternalEndpoint(this, {
      vpc: props.vpc,
      subnets: { subnets: subnets.subnets },
      service: this.service,
      serviceSecurityGroup: this.serviceSecurityGroup,
      privateLink: props.apiGateway !== undefined,
      deletionProtection: props.database?.deletionProtection ?? true,
    });
    this.loadBalancer = endpoint.loadBalancer;
    this.connections = new ec2.Connections({ securityGroups: [endpoint.securityGroup], defaultPort: ec2.Port.tcp(80) });
    this.internalUrl = internalServiceUrl(this.loadBalancer.loadBalancerDnsName);
    for (const peer of props.allowFrom ?? []) this.allowFrom(peer);
    for (const cidr of props.operatorCidrs ?? []) this.connections.allowDefaultPortFrom(ec2.Peer.ipv4(cidr), 'operators');

    if (props.apiGateway) {
      const api = createApiGateway(this, { loadBalancer: this.loadBalancer, options: props.apiGateway });
      this.api = api.api;
      this.headersSecret = api.headersSecret;
      this.url = api.url;
    } else {
      this.url = this.internalUrl;
    }
  }

  /** Lets `peer` (a security group, a Lambda in the VPC, a compute environment) call the service. */
  allowFrom(peer: ec2.IConnectable): void {
    this.connections.allowDefaultPortFrom(peer, 'Metaflow metadata service clients');
  }

  /** Lets `grantee` read `METAFLOW_SERVICE_HEADERS` (the API key); a no-op grant when the service has no key. */
  grantReadHeaders(grantee: iam.IGrantable): iam.Grant {
    return grantReadHeaders(this, grantee);
  }

  private validate(props: MetaflowMetadataServiceProps, image: string, subnets: ec2.SelectedSubnets): void {
    const where = this.node.path;
    const database = props.database ?? {};
    const publicIds = new Set(props.vpc.publicSubnets.map((s) => s.subnetId));
    const problems = new ProblemCollector();
    problems.addAll(subnetPlacementProblems(where, { selected: subnets.subnetIds.length, publicSubnetIds: subnets.subnetIds.filter((s) => publicIds.has(s)) }));
    problems.addAll(imageProblems(where, image));
    problems.addAll(fargateSizeProblems(where, props.cpu ?? 512, (props.memory ?? Size.gibibytes(1)).toMebibytes({ rounding: SizeRoundingBehavior.NONE })));
    // only JavaScript callers get here; any other string would have created the RDS instance
    problems.addAll(enumValueProblems(where, 'database.engine', database.engine, 'MetadataDatabaseEngine', MetadataDatabaseEngine));
    const aurora = (database.engine ?? MetadataDatabaseEngine.AURORA_SERVERLESS_V2) === MetadataDatabaseEngine.AURORA_SERVERLESS_V2;
    problems.addAll(scalingProblems(where, {
      minTasks: props.minTasks ?? 1,
      maxTasks: props.maxTasks ?? 4,
      targetCpuPercent: props.targetCpuPercent ?? 60,
      ...(aurora ? { minCapacity: database.minCapacity ?? 0, maxCapacity: database.maxCapacity ?? 2 } : {}),
    }));
    problems.addAll(databaseEngineProblems(where, {
      aurora,
      minCapacity: database.minCapacity,
      maxCapacity: database.maxCapacity,
      instanceType: database.instanceType?.toString(),
      multiAz: database.multiAz,
    }));
    problems.addAll(backupRetentionProblems(where, (database.backupRetention ?? Duration.days(7)).toSeconds({ integral: false })));
    problems.addAll(rotationIntervalProblems(where, (database.rotationInterval ?? Duration.days(30)).toSeconds({ integral: false })));
    problems.addAll(sourceCidrProblems(where, 'operatorCidrs', props.operatorCidrs ?? [], '10.20.0.0/16'));
    problems.addAll(sourceCidrProblems(where, 'apiGateway.allowedSourceCidrs', props.apiGateway?.allowedSourceCidrs ?? [], '203.0.113.0/24'));
    problems.addAll(endpointProblems(where, { apiGateway: props.apiGateway !== undefined, apiKey: props.apiGateway?.apiKeyRequired ?? true }));
    problems.addAll(passwordProblems(where, passwordSource(this, database.credentials)));
    problems.throwIfAny();
  }
}

const SERVICE_PROP_KINDS: Readonly<Record<Exclude<keyof MetaflowMetadataServiceProps, 'database' | 'apiGateway' | 'logRetention'>, PropKindSpec>> = {
  vpc: { kind: 'construct', required: true, fix: 'pass an ec2.IVpc with private subnets, e.g. the infrastructure\'s vpc' },
  vpcSubnets: 'object',
  image: 'string',
  cpu: 'number',
  memory: 'Size',
  minTasks: 'number',
  maxTasks: 'number',
  targetCpuPercent: 'number',
  allowFrom: { kind: 'object list', fix: 'write e.g. [securityGroup], even for one' },
  operatorCidrs: 'string list',
  permissionsBoundary: { kind: 'construct', fix: 'import the policy, e.g. iam.ManagedPolicy.fromManagedPolicyArn(this, "Boundary", arn)' },
};

const DATABASE_OPTION_KINDS: Readonly<Record<Exclude<keyof MetadataDatabaseOptions, 'engine' | 'removalPolicy'>, PropKindSpec>> = {
  minCapacity: 'number',
  maxCapacity: 'number',
  instanceType: { kind: 'object', fix: 'write e.g. ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL)' },
  multiAz: 'boolean',
  credentials: { kind: 'object', fix: 'pass rds.Credentials.fromSecret(secret)' },
  rotationInterval: 'Duration',
  backupRetention: 'Duration',
  storageEncryptionKey: 'construct',
  deletionProtection: 'boolean',
};

/** Props of the wrong JavaScript kind, at every level, before anything reads them. */
function metadataServiceKindProblems(where: string, props: MetaflowMetadataServiceProps): Problem[] {
  const found = [
    ...propKindProblems(where, props, SERVICE_PROP_KINDS),
    ...logRetentionProblems(where, 'logRetention', props.logRetention),
    ...optionsKindProblems(where, 'database', props.database),
    ...optionsKindProblems(where, 'apiGateway', props.apiGateway),
  ];
  if (found.length > 0) return found;
  const nested = (prefix: string, problems: Problem[]) => problems.map((p) => ({ ...p, field: `${prefix}.${p.field}` }));
  return [
    ...nested('database', propKindProblems(where, props.database ?? {}, DATABASE_OPTION_KINDS)),
    ...enumValueProblems(where, 'database.removalPolicy', props.database?.removalPolicy, 'RemovalPolicy', RemovalPolicy),
    ...nested('apiGateway', propKindProblems(where, props.apiGateway ?? {}, { apiKeyRequired: 'boolean', allowedSourceCidrs: 'string list' })),
    ...logRetentionProblems(where, 'apiGateway.accessLogRetention', props.apiGateway?.accessLogRetention),
  ];
}

class ImportedMetadataService extends Construct implements IMetaflowMetadataService {
  readonly url: string;
  readonly internalUrl: string;
  readonly headersSecret?: secretsmanager.ISecret;
  readonly connections?: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: MetaflowMetadataServiceAttributes) {
    super(scope, id);
    const problems = new ProblemCollector();
    problems.addAll(propKindProblems(this.node.path, attrs, { headersSecret: 'construct', securityGroups: { kind: 'construct list', fix: 'write e.g. [group], even for one: jobs are admitted through these groups' } }));
    problems.addAll(serviceUrlProblems(this.node.path, 'url', attrs.url));
    if (attrs.internalUrl !== undefined) problems.addAll(serviceUrlProblems(this.node.path, 'internalUrl', attrs.internalUrl));
    problems.throwIfAny();
    this.url = attrs.url;
    this.internalUrl = attrs.internalUrl ?? attrs.url;
    this.headersSecret = attrs.headersSecret;
    if (attrs.securityGroups?.length) this.connections = new ec2.Connections({ securityGroups: attrs.securityGroups, defaultPort: ec2.Port.tcp(80) });
  }
}

/** Reads the service's headers secret, when it has one (an `IMetaflowMetadataService` of any origin). */
export function grantReadHeaders(service: IMetaflowMetadataService, grantee: iam.IGrantable): iam.Grant {
  return service.headersSecret ? service.headersSecret.grantRead(grantee) : iam.Grant.drop(grantee, 'read the metadata service headers (the service has none)');
}

/** The selected subnets, or none when the VPC has no subnets of the selected type (checked, not thrown, by CDK). */
function selectSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection): ec2.SelectedSubnets {
  try {
    return vpc.selectSubnets(selection);
  } catch {
    return { subnetIds: [], subnets: [], availabilityZones: [], internetConnectivityEstablished: new DependencyGroup(), hasPublic: false, isPendingLookup: false };
  }
}
