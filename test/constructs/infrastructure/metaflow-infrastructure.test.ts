import { Duration, Size, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ComputeEnvironmentPresets } from '../../../constructs/compute/presets';
import { MetaflowDatastore } from '../../../constructs/datastore/datastore';
import type { IMetaflowInfrastructure } from '../../../constructs/infrastructure/contract';
import { MetaflowInfrastructure } from '../../../constructs/infrastructure/metaflow-infrastructure';
import { MetaflowJobQueue } from '../../../constructs/queues/job-queue';
import { INFRA_OUTPUTS, INFRA_TAG } from '../../../lib/runtime/naming';
import { renderCfnValue } from '../../../lib/stacks/summary';
import { newStack, problemsOf } from '../support';

/** Keys Metaflow reads from its config (metaflow/metaflow_config.py), written down independently of the exporter. */
const KEYS_METAFLOW_READS = new Set([
  'METAFLOW_DEFAULT_DATASTORE', 'METAFLOW_DATASTORE_SYSROOT_S3', 'METAFLOW_DATATOOLS_S3ROOT', 'METAFLOW_DEFAULT_METADATA',
  'METAFLOW_SERVICE_URL', 'METAFLOW_SERVICE_INTERNAL_URL', 'METAFLOW_SERVICE_AUTH_KEY', 'METAFLOW_BATCH_JOB_QUEUE',
  'METAFLOW_ECS_S3_ACCESS_IAM_ROLE', 'METAFLOW_ECS_FARGATE_EXECUTION_ROLE', 'METAFLOW_BATCH_CONTAINER_REGISTRY',
  'METAFLOW_BATCH_CONTAINER_IMAGE', 'METAFLOW_SFN_IAM_ROLE', 'METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE', 'METAFLOW_SFN_DYNAMO_DB_TABLE',
  'METAFLOW_SFN_STATE_MACHINE_PREFIX', 'METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN', 'METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH',
  'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE', 'METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION',
]);

describe('MetaflowInfrastructure with zero props', () => {
  let template: Template;
  let infra: MetaflowInfrastructure;
  let json: Record<string, string>;
  beforeAll(() => {
    const stack = newStack('Zero');
    infra = new MetaflowInfrastructure(stack, 'Metaflow');
    template = Template.fromStack(stack);
    json = JSON.parse(renderCfnValue(template.toJSON().Outputs[INFRA_OUTPUTS.configJson].Value));
  });

  it('implements IMetaflowInfrastructure with every part exposed', () => {
    const contract: IMetaflowInfrastructure = infra;
    expect(contract.queues.map((q) => q.name)).toEqual(['cpu', 'gpu', 'fargate']);
    expect(contract.defaultQueueName).toBe('cpu');
    expect(contract.datastore.rootPrefix).toBe('metaflow');
    expect(contract.stateMachinePrefix).toBe('Zero');
    expect(contract.permissionsBoundary).toBeUndefined();
    expect(Object.keys(infra.computeEnvironments)).toEqual(['spot', 'onDemand', 'gpu', 'fargate']);
    expect(infra.network).toBeDefined();
    for (const part of [infra.jobRole, infra.executionRole, infra.stateMachineRole, infra.eventsRole, infra.coordinationTable, infra.executionLogGroup, infra.vpc]) {
      expect(part).toBeDefined();
    }
  });

  it('exposes queue capabilities computed from the environments', () => {
    expect(infra.queue('cpu').capabilities).toEqual({ platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 256 });
    expect(infra.queue('gpu').capabilities).toEqual({ platform: 'EC2', gpu: true, neuron: false, spot: false, maxVcpus: 64 });
    expect(infra.queue('fargate').capabilities.platform).toBe('FARGATE');
    expect(() => infra.queue('nope')).toThrow('use one of: cpu, gpu, fargate');
  });

  it('creates its own VPC with private subnets and puts every environment in them', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    for (const ce of Object.values(template.findResources('AWS::Batch::ComputeEnvironment'))) {
      expect(JSON.stringify(ce.Properties.ComputeResources.Subnets)).toContain('JobsSubnet');
      expect(ce.Properties.ComputeResources.MinvCpus ?? 0).toBe(0);
    }
  });

  it('tags the infrastructure, Batch environments included', () => {
    for (const type of ['AWS::Batch::ComputeEnvironment', 'AWS::Batch::JobQueue', 'AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::IAM::Role']) {
      // CDK's stack-level custom-resource provider (Custom...) is not part of the construct and cannot be tagged.
      for (const [id, resource] of Object.entries(template.findResources(type)).filter(([logicalId]) => !logicalId.startsWith('Custom'))) {
        expect([id, JSON.stringify(resource.Properties.Tags)]).toEqual([id, expect.stringContaining(INFRA_TAG)]);
      }
    }
  });

  it('exports a config JSON whose every key is one Metaflow reads, with no empty value', () => {
    for (const [key, value] of Object.entries(json)) {
      expect(KEYS_METAFLOW_READS.has(key)).toBe(true);
      expect(value).not.toBe('');
    }
  });

  it('exports the values Metaflow needs, key by key', () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string }>;
    const logicalId = (type: string, prefix: string) => Object.keys(resources).find((id) => resources[id].Type === type && id.startsWith(prefix));
    expect(json.METAFLOW_DEFAULT_DATASTORE).toBe('s3');
    expect(json.METAFLOW_DATASTORE_SYSROOT_S3).toBe(`s3://<${logicalId('AWS::S3::Bucket', 'MetaflowDatastoreBucket')}>/metaflow`);
    expect(json.METAFLOW_DATATOOLS_S3ROOT).toBe(`${json.METAFLOW_DATASTORE_SYSROOT_S3}/data`);
    expect(json.METAFLOW_DEFAULT_METADATA).toBe('local');
    expect(json.METAFLOW_BATCH_JOB_QUEUE).toBe(`<${logicalId('AWS::Batch::JobQueue', 'MetaflowQueuecpu')}.JobQueueArn>`);
    expect(json.METAFLOW_ECS_S3_ACCESS_IAM_ROLE).toBe(`<${logicalId('AWS::IAM::Role', 'MetaflowJobRole')}.Arn>`);
    expect(json.METAFLOW_ECS_FARGATE_EXECUTION_ROLE).toBe(`<${logicalId('AWS::IAM::Role', 'MetaflowExecutionRole')}.Arn>`);
    expect(json.METAFLOW_SFN_IAM_ROLE).toBe(`<${logicalId('AWS::IAM::Role', 'MetaflowStateMachineRole')}.Arn>`);
    expect(json.METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE).toBe(`<${logicalId('AWS::IAM::Role', 'MetaflowEventsRole')}.Arn>`);
    expect(json.METAFLOW_SFN_DYNAMO_DB_TABLE).toBe(`<${logicalId('AWS::DynamoDB::Table', 'MetaflowCoordinationTable')}>`);
    expect(json.METAFLOW_SFN_STATE_MACHINE_PREFIX).toBe('Zero');
    expect(json.METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN).toBe(`<${logicalId('AWS::Logs::LogGroup', 'MetaflowExecutionLogs')}.Arn>`);
    expect(json.METAFLOW_SFN_S3_DISTRIBUTED_MAP_OUTPUT_PATH).toBe(`${json.METAFLOW_DATASTORE_SYSROOT_S3}/sfn_distributed_map_output`);
    expect(json).not.toHaveProperty('METAFLOW_SERVICE_URL');
    expect(json).not.toHaveProperty('METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE');
  });

  it('lets the state machine role submit to every queue', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const submit = statements.find((s) => s.Sid === 'SubmitJobs');
    expect(submit.Resource.filter((r: { 'Fn::GetAtt'?: string[] }) => r['Fn::GetAtt']?.[1] === 'JobQueueArn')).toHaveLength(3);
  });

  it('never grants Action "*"', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    for (const s of statements) expect([s.Action].flat()).not.toContain('*');
  });
});

describe('MetaflowInfrastructure with brought resources', () => {
  let template: Template;
  let infra: MetaflowInfrastructure;
  beforeAll(() => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'], publicSubnetIds: ['subnet-0000000000000000c', 'subnet-0000000000000000d'],
    });
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'shared-bucket');
    const table = dynamodb.Table.fromTableName(stack, 'Table', 'shared-table');
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::123456789012:role/job', { mutable: false });
    const shared = MetaflowJobQueue.fromJobQueueArn(stack, 'Shared', 'arn:aws:batch:eu-west-1:123456789012:job-queue/shared', {
      name: 'shared', capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: false, maxVcpus: 8 },
    });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'api');
    const executionLogGroup = logs.LogGroup.fromLogGroupName(stack, 'Logs', 'shared-sfn-logs');
    infra = new MetaflowInfrastructure(stack, 'Metaflow', {
      vpc,
      existingDatastore: MetaflowDatastore.fromBucket(stack, 'Datastore', bucket, { rootPrefix: 'mf' }),
      existingCoordinationTable: table,
      jobRole,
      computeEnvironments: { cpu: ComputeEnvironmentPresets.spot({ maxVcpus: 32 }) },
      queues: [{ name: 'batch', computeEnvironments: ['cpu'] }],
      existingQueues: [shared],
      defaultQueueName: 'shared',
      secrets: [secret],
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/Boundary',
      stateMachinePrefix: 'team_a',
      metadataService: { url: 'https://svc.example/api/' },
      executionLogGroup,
    });
    template = Template.fromStack(stack);
  });

  it('uses the brought VPC, bucket, table, role and queue', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(infra.jobRole.roleArn).toBe('arn:aws:iam::123456789012:role/job');
    expect(infra.queues.map((q) => q.name)).toEqual(['batch', 'shared']);
    const ce = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'))[0];
    expect(ce.Properties.ComputeResources.Subnets).toEqual(['subnet-0000000000000000a', 'subnet-0000000000000000b']);
  });

  it('applies the permissions boundary to every role it creates, instance roles included', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThanOrEqual(4);
    for (const role of roles) expect(role.Properties.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/Boundary');
    expect(infra.permissionsBoundary?.managedPolicyArn).toBe('arn:aws:iam::123456789012:policy/Boundary');
  });

  it('exports the brought resources and the metadata service', () => {
    const outputs = template.toJSON().Outputs;
    const json = JSON.parse(renderCfnValue(outputs[INFRA_OUTPUTS.configJson].Value));
    expect(json.METAFLOW_DATASTORE_SYSROOT_S3).toBe('s3://shared-bucket/mf');
    expect(json.METAFLOW_SFN_DYNAMO_DB_TABLE).toBe('shared-table');
    expect(json.METAFLOW_BATCH_JOB_QUEUE).toBe('arn:aws:batch:eu-west-1:123456789012:job-queue/shared');
    expect(json.METAFLOW_ECS_S3_ACCESS_IAM_ROLE).toBe('arn:aws:iam::123456789012:role/job');
    expect(json.METAFLOW_SFN_STATE_MACHINE_PREFIX).toBe('team_a');
    expect(json.METAFLOW_DEFAULT_METADATA).toBe('service');
    expect(json.METAFLOW_SERVICE_URL).toBe('https://svc.example/api/');
    expect(json.METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE).toBe('aws-secrets-manager');
    expect(json.METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN).toContain(':log-group:shared-sfn-logs:*');
    expect(JSON.parse(renderCfnValue(outputs.MetaflowJobQueues.Value))).toEqual({
      batch: expect.stringMatching(/^<MetaflowQueuebatch.+\.JobQueueArn>$/),
      shared: 'arn:aws:batch:eu-west-1:123456789012:job-queue/shared',
    });
  });
});

describe('MetaflowInfrastructure with a permissions boundary and its own network', () => {
  let template: Template;
  beforeAll(() => {
    const stack = newStack();
    new MetaflowInfrastructure(stack, 'Metaflow', { permissionsBoundary: 'arn:aws:iam::123456789012:policy/Boundary' });
    template = Template.fromStack(stack);
  });

  it('bounds every role of the template: its own, the instance roles, the flow-log role and CDK\'s custom-resource role', () => {
    const roles = Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties: { PermissionsBoundary?: unknown } }>)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id)).toEqual(expect.arrayContaining([
      expect.stringMatching(/FlowLogIAMRole/),
      expect.stringMatching(/InstanceProfileRole/),
      expect.stringMatching(/^CustomVpcRestrictDefaultSGCustomResourceProviderRole/),
    ]));
    for (const [, role] of roles) expect(role.Properties.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/Boundary');
  });

  it('empties the default security group through CDK\'s provider, the only Lambda it adds', () => {
    const resources = Object.values(template.toJSON().Resources as Record<string, { Type: string }>);
    expect(resources.filter((r) => r.Type === 'Custom::VpcRestrictDefaultSG')).toHaveLength(1);
    const lambdas = resources.filter((r) => r.Type === 'AWS::Lambda::Function' || r.Type.startsWith('Custom::')).map((r) => r.Type);
    expect(lambdas.sort()).toEqual(['AWS::Lambda::Function', 'Custom::VpcRestrictDefaultSG']);
  });
});

describe('MetaflowInfrastructure secrets and the shared roles', () => {
  const readersOf = (sharedRolesReadSecrets?: boolean) => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'Token');
    new MetaflowInfrastructure(stack, 'Metaflow', { secrets: [secret], sharedRolesReadSecrets });
    return Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument.Statement).includes('secretsmanager:GetSecretValue'))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
      .sort();
  };

  it('by default, no shared role reads them: a flow Metaflow deploys itself could otherwise read every one', () => {
    expect(readersOf()).toEqual([]);
  });

  it('with sharedRolesReadSecrets, the shared job and execution roles read them', () => {
    expect(readersOf(true)).toEqual(['MetaflowExecutionRoleDefaultPolicy', 'MetaflowJobRoleDefaultPolicy']);
  });
});

describe('MetaflowInfrastructure bad input', () => {
  it('reports every problem of the construct together, naming where, field, value and fix', () => {
    const problems = problemsOf(() => new MetaflowInfrastructure(newStack(), 'Metaflow', {
      permissionsBoundary: 'Boundary',
      stateMachinePrefix: 'bad prefix',
      computeEnvironments: {
        cpu: ComputeEnvironmentPresets.spot({ minVcpus: 8, maxVcpus: 4, spotBidPercentage: 0 }),
        fargate: { ...ComputeEnvironmentPresets.fargate(), accelerator: 'GPU' },
      },
      queues: [
        { name: 'a', priority: 1, computeEnvironments: ['cpu', 'fargate'] },
        { name: 'b', priority: 1, computeEnvironments: [] },
      ],
      datastore: { rootPrefix: '/x/' },
    }));
    expect(problems.map((p) => `${p.where} ${p.field}`)).toEqual([
      'Test/Metaflow stateMachinePrefix',
      'Test/Metaflow/Compute-cpu maxVcpus',
      'Test/Metaflow/Compute-cpu spotBidPercentage',
      'Test/Metaflow/Compute-fargate accelerator',
      'Test/Metaflow queue "a" computeEnvironments',
      'Test/Metaflow queue "b" priority',
      'Test/Metaflow queue "b" computeEnvironments',
      'Test/Metaflow permissionsBoundary',
      'Test/Metaflow/Datastore rootPrefix',
    ]);
    for (const p of problems) {
      expect(p.message.length).toBeGreaterThan(0);
      expect(p.fix.length).toBeGreaterThan(0);
    }
  });

  it('refuses props AWS would reject at deploy or that would leave jobs without a way out, each by its prop', () => {
    const stack = newStack();
    const existing = (name: string, platform = 'FARGATE') => MetaflowJobQueue.fromJobQueueArn(stack, `Existing-${name}`, 'arn:aws:batch:eu-west-1:123456789012:job-queue/ext', {
      name, capabilities: { platform: platform as 'FARGATE', gpu: false, neuron: false, spot: false, maxVcpus: 8 },
    });
    const problems = problemsOf(() => new MetaflowInfrastructure(stack, 'M', {
      existingQueues: [existing('cpu'), existing('bad name!', 'fargate')],
      securityGroups: [],
      containerImage: 'python 3',
      metadataService: { url: '', internalUrl: 'metadata.internal' } as never,
      executionLogGroup: logs.LogGroup.fromLogGroupName(stack, 'Logs', 'x'),
      executionLogRetention: logs.RetentionDays.ONE_WEEK,
      network: { natGateways: 0, maxAzs: 0 },
      queues: [{ name: 'cpu', computeEnvironments: ['cpu'], runnableWatchdog: { misconfigured: Duration.minutes(1) } }],
      computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand() },
    }));
    expect(problems.map((p) => `${p.where} ${p.field} = ${JSON.stringify(p.value)}`)).toEqual([
      'Test/M queue "cpu" runnableWatchdog.misconfigured = "60 seconds"',
      'Test/M existing queue "cpu" name = "cpu"',
      'Test/M existing queue "bad name!" name = "bad name!"',
      'Test/M existing queue "bad name!" capabilities.platform = "fargate"',
      'Test/M securityGroups = []',
      'Test/M containerImage = "python 3"',
      'Test/M/metadataService url = ""',
      'Test/M/metadataService internalUrl = "metadata.internal"',
      'Test/M executionLogRetention = 7',
      'Test/M/network maxAzs = 0',
      'Test/M/network natGateways = 0',
    ]);
  });

  it.each([
    [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, 'Isolated'],
    [{ subnetType: ec2.SubnetType.PUBLIC }, 'Public'],
    [{ subnetGroupName: 'Privat' }, 'Privat'],
  ])('refuses subnets the VPC it creates does not run jobs in (%p)', (vpcSubnets, value) => {
    expect(problemsOf(() => new MetaflowInfrastructure(newStack(), 'M', { vpcSubnets }))).toEqual([
      expect.objectContaining({ where: 'Test/M', field: 'vpcSubnets', value, fix: 'remove vpcSubnets, or pass your own vpc to choose its subnets' }),
    ]);
  });

  it('refuses an existing datastore that is none, e.g. a bucket and a prefix without grants', () => {
    const stack = newStack();
    const existingDatastore = { bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'my-bucket'), rootPrefix: 'metaflow' } as never;
    expect(problemsOf(() => new MetaflowInfrastructure(stack, 'M', { existingDatastore }))).toEqual([
      expect.objectContaining({ where: 'Test/M', field: 'existingDatastore', value: 'an object with bucket, rootPrefix', fix: expect.stringContaining('MetaflowDatastore.fromBucket') }),
    ]);
  });

  it('refuses an existing datastore whose prefix is an s3:// URL', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'my-bucket');
    // a datastore implemented elsewhere (IMetaflowDatastoreRef), whose prefix nothing has checked
    const real = MetaflowDatastore.fromBucket(stack, 'Datastore', bucket);
    const existingDatastore = { bucket, rootPrefix: 's3://my-bucket/metaflow', sysroot: 's3://my-bucket/metaflow', grantRead: real.grantRead.bind(real), grantReadWrite: real.grantReadWrite.bind(real) };
    expect(problemsOf(() => new MetaflowInfrastructure(stack, 'M', { existingDatastore }))).toEqual([
      expect.objectContaining({ where: 'Test/M/existingDatastore', field: 'rootPrefix', value: 's3://my-bucket/metaflow' }),
    ]);
  });

  it('refuses a compute environment name that cannot name a construct', () => {
    const [p] = problemsOf(() => new MetaflowInfrastructure(newStack(), 'M', {
      computeEnvironments: { 'a/b': ComputeEnvironmentPresets.spot() },
      queues: [{ name: 'q', computeEnvironments: ['a/b'] }],
    }));
    expect(p).toMatchObject({ field: 'computeEnvironments', value: 'a/b' });
  });

  it.each([
    ['datastore', (stack: Stack) => ({ datastore: { versioned: true }, existingDatastore: MetaflowDatastore.fromBucket(stack, 'Existing', s3.Bucket.fromBucketName(stack, 'Bucket', 'data')) })],
    ['coordinationTable', (stack: Stack) => ({ coordinationTable: { pointInTimeRecovery: false }, existingCoordinationTable: dynamodb.Table.fromTableName(stack, 'Table', 'coordination') })],
    ['network', (stack: Stack) => ({ network: { natGateways: 2 }, vpc: new ec2.Vpc(stack, 'Vpc') })],
  ])('refuses %s options together with the existing resource they would configure', (field, propsIn) => {
    const stack = newStack();
    const [p] = problemsOf(() => new MetaflowInfrastructure(stack, 'M', propsIn(stack)));
    expect(p).toMatchObject({ where: 'Test/M', field });
    expect(p.fix).toContain(`remove ${field}`);
  });

  it('refuses compute environments without queues and an unknown default queue', () => {
    const problems = problemsOf(() => new MetaflowInfrastructure(newStack(), 'M', { computeEnvironments: { cpu: ComputeEnvironmentPresets.spot() }, defaultQueueName: 'x' }));
    expect(problems.map((p) => p.field)).toEqual(['queues', 'queues']);
    const other = problemsOf(() => new MetaflowInfrastructure(newStack(), 'M', { defaultQueueName: 'x' }));
    expect(other[0]).toMatchObject({ field: 'defaultQueueName', value: 'x', fix: 'use one of: cpu, gpu, fargate' });
  });
});

describe('MetaflowInfrastructure on an existing VPC', () => {
  const isolatedVpc = (stack: ReturnType<typeof newStack>) => ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
  });

  it('refuses one whose subnets have no route out, unless the subnets are selected explicitly', () => {
    const stack = newStack();
    const problems = problemsOf(() => new MetaflowInfrastructure(stack, 'Metaflow', { vpc: isolatedVpc(stack) }));
    expect(problems).toEqual([expect.objectContaining({ where: 'Test/Metaflow/vpc', field: 'vpc', message: expect.stringMatching(/no subnet of this VPC has a route out/) })]);
    const selected = newStack();
    expect(() => new MetaflowInfrastructure(selected, 'Metaflow', { vpc: isolatedVpc(selected), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })).not.toThrow();
  });

  it('refuses a compute environment with an instance type EC2 does not have, or a 0 GiB root volume', () => {
    const problems = problemsOf(() => new MetaflowInfrastructure(newStack(), 'Metaflow', {
      computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand({ instanceTypes: [new ec2.InstanceType('m5.huge')], rootVolumeSize: Size.gibibytes(0) }) },
      queues: [{ name: 'cpu', computeEnvironments: ['cpu'] }],
    }));
    expect(problems.map((p) => `${p.field}=${String(p.value)}`)).toEqual(['instanceTypes=m5.huge', 'rootVolumeSize=0 GiB']);
  });
});

describe('MetaflowInfrastructure warnings', () => {
  const warningsOf = (stack: ReturnType<typeof newStack>) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => `${w.id}: ${String(w.entry.data)}`);

  it('none for the defaults', () => {
    const stack = newStack();
    new MetaflowInfrastructure(stack, 'Metaflow');
    expect(warningsOf(stack)).toEqual([]);
  });

  it('names a compute environment no queue lists, and the instances its minVcpus keeps running', () => {
    const stack = newStack();
    new MetaflowInfrastructure(stack, 'Metaflow', {
      computeEnvironments: { cpu: ComputeEnvironmentPresets.onDemand(), warm: ComputeEnvironmentPresets.onDemand({ minVcpus: 8 }), spare: ComputeEnvironmentPresets.spot() },
      queues: [{ name: 'cpu', computeEnvironments: ['cpu'] }],
    });
    expect(warningsOf(stack)).toEqual([
      expect.stringMatching(/^\/Test\/Metaflow: Test\/Metaflow: computeEnvironments = "warm": no queue lists this compute environment, so no job can run on it, yet its minVcpus \(8\) keeps instances running\. Fix: add it to a queue's computeEnvironments, or remove it/),
      expect.stringMatching(/computeEnvironments = "spare": no queue lists this compute environment, so no job can run on it\. Fix/),
    ]);
  });
});

