import { Annotations, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type Problem, ProblemCollector, ValidationError, formatProblem } from '../../lib/errors';
import { type PropKindSpec, optionsKindProblems, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { type ComputeCapabilities, computeCapabilities, validateComputeSpec } from '../../lib/infrastructure/compute-rules';
import { imageProblem } from '../../lib/graph/rules/resources';
import { serviceUrlProblems } from '../../lib/infrastructure/metadata-service';
import { networkProblems, vpcEgressProblems } from '../../lib/infrastructure/network-rules';
import { problem } from '../../lib/infrastructure/problems';
import { type QueueSpec, existingQueueProblems, unusedEnvironmentWarnings, validateQueues } from '../../lib/infrastructure/queue-rules';
import { defaultStateMachinePrefix, validatePermissionsBoundaryArn, validateStateMachinePrefix } from '../../lib/infrastructure/security-rules';
import { INFRA_TAG } from '../../lib/runtime/naming';
import '../security/token-paths';
import { type ComputeEnvironmentOptions, type IMetaflowComputeEnvironment, MetaflowComputeEnvironment, computeOptionKindProblems, computeSpecOf, noIngressSecurityGroup } from '../compute/compute-environment';
import { MetaflowCoordinationTable } from '../coordination/coordination-table';
import { MetaflowDatastore, datastoreProblems, datastoreRefProblems, rootPrefixProblems } from '../datastore/datastore';
import { type IMetaflowMetadataService, type MetaflowMetadataServiceOptions, MetaflowMetadataService, grantReadHeaders } from '../metadata-service/metadata-service';
import { MetaflowJobQueue, watchdogProblems } from '../queues/job-queue';
import { acknowledgeGuardRule } from '../security/acknowledgements';
import { MetaflowEventsRole } from '../security/events-role';
import { MetaflowExecutionRole } from '../security/execution-role';
import { MetaflowJobRole } from '../security/job-role';
import { applyPermissionsBoundary, resolvePermissionsBoundary } from '../security/permissions-boundary';
import { MetaflowStateMachineRole } from '../security/state-machine-role';
import { MetaflowConfigExport } from './config-export';
import type { IMetaflowDatastoreRef, IMetaflowInfrastructure, MetaflowQueueRef } from './contract';
import { type MetaflowQueueOptions, defaultComputeEnvironments, defaultQueues } from './defaults';
import { logRetentionProblems } from './log-retention';
import { MetaflowNetwork, networkKindProblems } from './network';
import { EXECUTION_LOGS_WITHOUT_KMS_REASON } from '../flow/coordination-functions';
import type { MetaflowInfrastructureProps } from './props';

/**
 * Everything Metaflow-style flows need on AWS: datastore, coordination table, Batch compute environments and queues,
 * the job, execution, Step Functions and EventBridge roles, secrets access, and the Metaflow config as stack outputs.
 * With no props: a new VPC with private subnets, a spot-first CPU queue with on-demand fallback, a GPU queue and a
 * Fargate queue, all scaling to zero.
 */
export class MetaflowInfrastructure extends Construct implements IMetaflowInfrastructure {
  readonly vpc: ec2.IVpc;
  /** The network this construct created, if any. */
  readonly network?: MetaflowNetwork;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly datastore: IMetaflowDatastoreRef;
  readonly coordinationTable: dynamodb.ITable;
  /** Compute environments by name. */
  readonly computeEnvironments: Readonly<Record<string, IMetaflowComputeEnvironment>>;
  readonly queues: readonly MetaflowQueueRef[];
  readonly defaultQueueName: string;
  readonly jobRole: iam.IRole;
  readonly executionRole: iam.IRole;
  readonly stateMachineRole: iam.IRole;
  readonly eventsRole: iam.IRole;
  readonly secrets: readonly secretsmanager.ISecret[];
  readonly permissionsBoundary?: iam.IManagedPolicy;
  readonly stateMachinePrefix: string;
  readonly executionLogGroup: logs.ILogGroup;
  /** The metadata service the jobs register runs with, if any. */
  readonly metadataService?: IMetaflowMetadataService;
  /** The metadata service this construct deployed (`metadataService` given as options). */
  readonly deployedMetadataService?: MetaflowMetadataService;
  /** Config keys and outputs, unless `exportConfig` is false. */
  readonly configExport?: MetaflowConfigExport;

  constructor(scope: Construct, id: string, props: MetaflowInfrastructureProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const environmentInputs = props.computeEnvironments ?? defaultComputeEnvironments();
    const queueOptions = props.queues ?? (props.computeEnvironments ? [] : defaultQueues());
    this.stateMachinePrefix = props.stateMachinePrefix ?? defaultStateMachinePrefix(stack.stackName);
    this.defaultQueueName = props.defaultQueueName ?? queueOptions[0]?.name ?? props.existingQueues?.[0]?.name ?? '';
    this.validate(props, environmentInputs, queueOptions);

    if (props.permissionsBoundary !== undefined) {
      this.permissionsBoundary = resolvePermissionsBoundary(this, 'PermissionsBoundary', props.permissionsBoundary);
      applyPermissionsBoundary(this, this.permissionsBoundary);
    }
    Tags.of(this).add(INFRA_TAG, this.node.path);

    if (props.vpc) {
      this.vpc = props.vpc;
    } else {
      this.network = new MetaflowNetwork(this, 'Network', props.network);
      this.vpc = this.network.vpc;
      // The provider sits at stack level, outside this construct, yet exists because of it.
      if (this.permissionsBoundary && this.network.customResourceProvider) {
        applyPermissionsBoundary(this.network.customResourceProvider, this.permissionsBoundary);
      }
    }
    this.securityGroups = props.securityGroups ?? [noIngressSecurityGroup(this, 'JobsSecurityGroup', this.vpc)];
    this.datastore = props.existingDatastore ?? new MetaflowDatastore(this, 'Datastore', props.datastore);
    this.coordinationTable = props.existingCoordinationTable ?? new MetaflowCoordinationTable(this, 'CoordinationTable', props.coordinationTable).table;
    this.secrets = props.secrets ?? [];

    const environments: Record<string, IMetaflowComputeEnvironment> = {};
    for (const [name, input] of Object.entries(environmentInputs)) {
      environments[name] = isComputeEnvironment(input)
        ? input
        : new MetaflowComputeEnvironment(this, `Compute-${name}`, {
            ...input,
            vpc: this.vpc,
            vpcSubnets: props.vpcSubnets,
            securityGroups: this.securityGroups,
          });
    }
    this.computeEnvironments = environments;
    const minVcpus = new Map(Object.entries(environmentInputs).map(([name, input]) => [name, { minVcpus: isComputeEnvironment(input) ? undefined : input.minVcpus }]));
    for (const warning of unusedEnvironmentWarnings(this.node.path, minVcpus, resolvedQueues(queueOptions))) {
      Annotations.of(this).addWarningV2('metaflow-cdk:unusedComputeEnvironment', formatProblem(warning));
    }
    const queues: MetaflowQueueRef[] = resolvedQueues(queueOptions).map(
      (q) =>
        new MetaflowJobQueue(this, `Queue-${q.name}`, {
          name: q.name,
          priority: q.priority,
          computeEnvironments: q.computeEnvironments.map((e) => ({ computeEnvironment: environments[e.name], order: e.order })),
          runnableWatchdog: q.runnableWatchdog,
        }),
    );
    this.queues = [...queues, ...(props.existingQueues ?? [])];

    // The shared roles serve flows Metaflow deploys itself with the exported config (`step-functions create`,
    // `run --with batch`); they read the secrets only when asked, as every such flow could then read them all.
    // MetaflowFlow's flows get roles of their own, for the secrets they name.
    const sharedSecrets = props.sharedRolesReadSecrets === true ? this.secrets : [];
    this.jobRole = new MetaflowJobRole(this, 'JobRole', {
      datastore: this.datastore,
      coordinationTable: this.coordinationTable,
      secrets: sharedSecrets,
      role: props.jobRole,
    }).role;
    this.executionRole = new MetaflowExecutionRole(this, 'ExecutionRole', {
      repositories: props.ecrRepositories,
      secrets: sharedSecrets,
      role: props.executionRole,
    }).role;
    this.stateMachineRole = new MetaflowStateMachineRole(this, 'StateMachineRole', {
      queues: this.queues,
      coordinationTable: this.coordinationTable,
      datastore: this.datastore,
      stateMachinePrefix: this.stateMachinePrefix,
      role: props.stateMachineRole,
    }).role;
    this.eventsRole = new MetaflowEventsRole(this, 'EventsRole', { stateMachinePrefix: this.stateMachinePrefix, role: props.eventsRole }).role;
    this.executionLogGroup = props.executionLogGroup ?? this.createExecutionLogGroup(props.executionLogRetention);

    if (props.metadataService !== undefined) {
      const input = props.metadataService;
      this.metadataService = isMetadataServiceRef(input)
        ? input
        : (this.deployedMetadataService = new MetaflowMetadataService(this, 'MetadataService', { ...input, vpc: this.vpc, permissionsBoundary: this.permissionsBoundary }));
      this.admitJobsTo(this.metadataService);
    }

    if (props.exportConfig ?? true) {
      const defaultQueue = this.queues.find((q) => q.name === this.defaultQueueName);
      this.configExport = new MetaflowConfigExport(this, 'Config', {
        queues: this.queues,
        inputs: {
          bucketName: this.datastore.bucket.bucketName,
          rootPrefix: this.datastore.rootPrefix,
          defaultQueueArn: defaultQueue!.queue.jobQueueArn,
          jobRoleArn: this.jobRole.roleArn,
          executionRoleArn: this.executionRole.roleArn,
          stateMachineRoleArn: this.stateMachineRole.roleArn,
          eventsRoleArn: this.eventsRole.roleArn,
          tableName: this.coordinationTable.tableName,
          stateMachinePrefix: this.stateMachinePrefix,
          executionLogGroupArn: this.executionLogGroup.logGroupArn,
          region: stack.region,
          hasSecrets: this.secrets.length > 0,
          serviceUrl: this.metadataService?.url,
          serviceInternalUrl: this.metadataService?.internalUrl,
          serviceHeadersSecretArn: this.metadataService?.headersSecret?.secretArn,
          containerImage: props.containerImage,
        },
      });
    }
  }

  /** The jobs may call the service and read its headers (Batch resolves job definition secrets with the execution role). */
  private admitJobsTo(service: IMetaflowMetadataService): void {
    for (const group of this.securityGroups) service.connections?.allowDefaultPortFrom(group, 'Metaflow Batch jobs');
    grantReadHeaders(service, this.executionRole);
  }

  private createExecutionLogGroup(retention = logs.RetentionDays.ONE_YEAR): logs.LogGroup {
    const group = new logs.LogGroup(this, 'ExecutionLogs', { retention, removalPolicy: RemovalPolicy.RETAIN });
    acknowledgeGuardRule(group, 'cloudwatch_log_group_encrypted_check', EXECUTION_LOGS_WITHOUT_KMS_REASON);
    return group;
  }

  /** The queue of this name; throws a ValidationError naming the known queues otherwise. */
  queue(name: string): MetaflowQueueRef {
    const found = this.queues.find((q) => q.name === name);
    if (!found) {
      const problems = new ProblemCollector();
      problems.add(problem(this.node.path, 'queue', name, 'no queue has this name', `use one of: ${this.queues.map((q) => q.name).join(', ')}`));
      problems.throwIfAny();
    }
    return found!;
  }

  /** Every problem of the props at once, before any resource is created. */
  private validate(
    props: MetaflowInfrastructureProps,
    environments: Record<string, ComputeEnvironmentOptions | IMetaflowComputeEnvironment>,
    queues: readonly MetaflowQueueOptions[],
  ): void {
    const where = this.node.path;
    const kinds = propKindProblemsOf(where, props, environments, queues);
    if (kinds.length > 0) throw new ValidationError(kinds);
    const found: Problem[] = [];
    found.push(...validateStateMachinePrefix(where, this.stateMachinePrefix));
    if (props.computeEnvironments && !props.queues) {
      found.push(problem(where, 'queues', undefined, 'computeEnvironments are given without queues, so no job could reach them', 'list queues over your compute environments'));
    }
    const capabilities = new Map<string, ComputeCapabilities>();
    for (const [name, input] of Object.entries(environments)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
        found.push(problem(where, 'computeEnvironments', name, 'a compute environment name is 1-64 letters, digits, hyphens or underscores', 'rename it, e.g. "spot"'));
      }
      if (isComputeEnvironment(input)) {
        capabilities.set(name, input.capabilities);
      } else {
        const spec = computeSpecOf(input);
        found.push(...validateComputeSpec(`${where}/Compute-${name}`, spec));
        capabilities.set(name, computeCapabilities(spec));
      }
    }
    found.push(...validateQueues(where, resolvedQueues(queues), capabilities));
    for (const queue of queues) found.push(...watchdogProblems(`${where} queue "${queue.name}"`, queue.runnableWatchdog));
    found.push(...existingQueueProblems(where, queues.map((q) => q.name), props.existingQueues ?? []));
    const queueNames = [...queues.map((q) => q.name), ...(props.existingQueues ?? []).map((q) => q.name)];
    if (queueNames.length === 0) {
      found.push(problem(where, 'queues', [], 'no queue is defined, so no step could run', 'define at least one queue'));
    } else if (!queueNames.includes(this.defaultQueueName)) {
      found.push(problem(where, 'defaultQueueName', this.defaultQueueName, 'no queue has this name', `use one of: ${queueNames.join(', ')}`));
    }
    if (typeof props.permissionsBoundary === 'string') found.push(...validatePermissionsBoundaryArn(where, props.permissionsBoundary));
    if (props.datastore && !props.existingDatastore) found.push(...datastoreProblems(`${where}/Datastore`, props.datastore));
    // An empty prefix is the bucket's root, which a datastore made elsewhere may use.
    const existingPrefix = props.existingDatastore?.rootPrefix;
    if (typeof existingPrefix === 'string' && existingPrefix !== '' && !Token.isUnresolved(existingPrefix)) {
      found.push(...rootPrefixProblems(`${where}/existingDatastore`, existingPrefix));
    }
    if (props.existingDatastore && props.datastore) {
      found.push(problem(where, 'datastore', 'given with existingDatastore', 'datastore options apply only to a datastore this construct creates', 'remove datastore or existingDatastore'));
    }
    if (props.existingCoordinationTable && props.coordinationTable) {
      found.push(problem(where, 'coordinationTable', 'given with existingCoordinationTable', 'table options apply only to a table this construct creates', 'remove coordinationTable or existingCoordinationTable'));
    }
    if (props.vpc?.privateSubnets && props.vpc.publicSubnets && props.vpc.isolatedSubnets) {
      found.push(...vpcEgressProblems(`${where}/vpc`, {
        privateWithEgress: props.vpc.privateSubnets.length,
        public: props.vpc.publicSubnets.length,
        isolated: props.vpc.isolatedSubnets.length,
        explicitSelection: props.vpcSubnets !== undefined,
      }));
    }
    if (props.securityGroups?.length === 0) {
      found.push(problem(where, 'securityGroups', [], 'no security group: Fargate refuses an environment without one, and EC2 instances would fall back to the VPC\'s default group', 'leave securityGroups unset for one group with no ingress and all egress, or list at least one group'));
    }
    if (props.containerImage !== undefined) {
      const bad = imageProblem({ where, field: 'containerImage' }, props.containerImage);
      if (bad) found.push(bad);
    }
    if (props.metadataService && isMetadataServiceRef(props.metadataService)) {
      found.push(...serviceUrlProblems(`${where}/metadataService`, 'url', props.metadataService.url));
      if (props.metadataService.internalUrl !== undefined) found.push(...serviceUrlProblems(`${where}/metadataService`, 'internalUrl', props.metadataService.internalUrl));
    }
    if (props.executionLogGroup && props.executionLogRetention !== undefined) {
      found.push(problem(where, 'executionLogRetention', props.executionLogRetention, 'applies only to the log group this construct creates, and executionLogGroup is given', 'set the retention on your log group, or remove executionLogGroup'));
    }
    if (props.network) found.push(...networkProblems(`${where}/network`, props.network));
    if (!props.vpc && props.vpcSubnets) found.push(...createdNetworkSubnetProblems(where, props.vpcSubnets));
    if (props.vpc && props.network) {
      found.push(problem(where, 'network', 'given with vpc', 'network options apply only to a VPC this construct creates', 'remove network or vpc'));
    }
    const collector = new ProblemCollector();
    collector.addAll(found);
    collector.throwIfAny();
  }
}

/**
 * The VPC this construct creates has public subnets for its NAT gateway (no public IPs) and private `Jobs` subnets with
 * egress; jobs placed anywhere else could not reach ECR or ECS, and a missing group is aws-ec2's error.
 */
function createdNetworkSubnetProblems(where: string, selection: ec2.SubnetSelection): Problem[] {
  const { subnetType, subnetGroupName } = selection;
  const typeOk = subnetType === undefined || subnetType === ec2.SubnetType.PRIVATE_WITH_EGRESS;
  const groupOk = subnetGroupName === undefined || subnetGroupName === MetaflowNetwork.JOB_SUBNET_GROUP;
  if (typeOk && groupOk) return [];
  return [problem(
    where, 'vpcSubnets', subnetType ?? subnetGroupName,
    `the VPC this construct creates runs jobs in its private subnets with egress (group "${MetaflowNetwork.JOB_SUBNET_GROUP}"); its public subnets give no public IPs and it has no isolated subnets`,
    'remove vpcSubnets, or pass your own vpc to choose its subnets',
  )];
}

const INFRASTRUCTURE_PROP_KINDS: Readonly<Record<Exclude<keyof MetaflowInfrastructureProps, 'permissionsBoundary' | 'existingDatastore' | 'executionLogRetention'>, PropKindSpec>> = {
  vpc: 'construct',
  network: 'object',
  vpcSubnets: 'object',
  securityGroups: 'construct list',
  datastore: 'object',
  coordinationTable: 'object',
  existingCoordinationTable: { kind: 'construct', fix: 'import the table, e.g. dynamodb.Table.fromTableName(this, "Table", name)' },
  computeEnvironments: 'object',
  queues: 'object list',
  existingQueues: 'object list',
  defaultQueueName: 'string',
  secrets: { kind: 'construct list', fix: 'import each secret, e.g. secretsmanager.Secret.fromSecretNameV2(this, "Db", "prod/db")' },
  sharedRolesReadSecrets: 'boolean',
  ecrRepositories: { kind: 'construct list', fix: 'import each repository, e.g. ecr.Repository.fromRepositoryName(this, "Repo", name)' },
  jobRole: 'construct',
  executionRole: 'construct',
  stateMachineRole: 'construct',
  eventsRole: 'construct',
  stateMachinePrefix: 'string',
  // false or a URL string used to deploy a whole metadata service
  metadataService: { kind: 'object', fix: 'pass options to deploy a service ({} for the defaults), { url } of one elsewhere, or leave it unset for none' },
  executionLogGroup: { kind: 'construct', fix: 'import the group, e.g. logs.LogGroup.fromLogGroupArn(this, "Logs", arn)' },
  containerImage: 'string',
  exportConfig: 'boolean',
};

const QUEUE_OPTION_KINDS: Readonly<Record<Exclude<keyof MetaflowQueueOptions, 'runnableWatchdog'>, PropKindSpec>> = {
  name: { kind: 'string', required: true, fix: 'name the queue, e.g. name: "cpu"' },
  priority: 'number',
  computeEnvironments: { kind: 'list', required: true, fix: 'list the environments by name, e.g. ["spot", "onDemand"]' },
};

/** Props of the wrong JavaScript kind, at every level, before anything reads them. */
function propKindProblemsOf(
  where: string,
  props: MetaflowInfrastructureProps,
  environments: Readonly<Record<string, unknown>>,
  queues: readonly MetaflowQueueOptions[],
): Problem[] {
  const found = [
    ...propKindProblems(where, props, INFRASTRUCTURE_PROP_KINDS),
    ...datastoreRefProblems(where, 'existingDatastore', props.existingDatastore),
    ...logRetentionProblems(where, 'executionLogRetention', props.executionLogRetention),
    ...(props.network !== undefined ? networkKindProblems(`${where}/network`, props.network) : []),
  ];
  const boundary: unknown = props.permissionsBoundary;
  if (boundary !== undefined && typeof boundary !== 'string' && !(typeof boundary === 'object' && boundary !== null && 'managedPolicyArn' in boundary)) {
    found.push(problem(where, 'permissionsBoundary', boundary, 'must be a managed policy or its ARN', 'pass iam.ManagedPolicy.fromManagedPolicyName(this, "Boundary", name) or "arn:aws:iam::<account>:policy/<name>"'));
  }
  if (found.length > 0) return found;
  for (const [name, input] of Object.entries(environments)) {
    const at = `${where}/Compute-${name}`;
    const options = optionsKindProblems(at, 'computeEnvironments', input);
    found.push(...(options.length > 0 || isComputeEnvironment(input as ComputeEnvironmentOptions) ? options : computeOptionKindProblems(at, input as ComputeEnvironmentOptions)));
  }
  queues.forEach((queue, i) => {
    const at = `${where} queues[${i}]`;
    const notOptions = optionsKindProblems(where, `queues[${i}]`, queue);
    found.push(...(notOptions.length > 0 ? notOptions : propKindProblems(at, queue, QUEUE_OPTION_KINDS)));
  });
  return found;
}

function isMetadataServiceRef(input: MetaflowMetadataServiceOptions | IMetaflowMetadataService): input is IMetaflowMetadataService {
  // by the key, not its type: an object with a url is meant as a service elsewhere, never as options to deploy one
  return 'url' in input;
}

function isComputeEnvironment(input: ComputeEnvironmentOptions | IMetaflowComputeEnvironment): input is IMetaflowComputeEnvironment {
  return 'computeEnvironment' in input && 'capabilities' in input;
}

interface ResolvedQueue extends QueueSpec {
  readonly runnableWatchdog?: MetaflowQueueOptions['runnableWatchdog'];
}

function resolvedQueues(queues: readonly MetaflowQueueOptions[]): ResolvedQueue[] {
  return queues.map((q, i) => ({
    name: q.name,
    priority: q.priority ?? (queues.length - i) * 10,
    runnableWatchdog: q.runnableWatchdog,
    computeEnvironments: q.computeEnvironments.map((e, j) =>
      typeof e === 'string' ? { name: e, order: j + 1 } : { name: e.computeEnvironment, order: e.order },
    ),
  }));
}
