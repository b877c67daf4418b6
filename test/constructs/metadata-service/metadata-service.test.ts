import * as path from 'path';
import { Duration, SecretValue, Size, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MetaflowFlow } from '../../../constructs/flow';
import { SERVICE_AUTH_KEY_OUTPUT } from '../../../constructs/infrastructure/config-export';
import { MetaflowInfrastructure } from '../../../constructs/infrastructure/metaflow-infrastructure';
import { MetadataDatabaseEngine, MetaflowMetadataService } from '../../../constructs/metadata-service';
import { MIGRATION_RESOURCE_TYPE } from '../../../constructs/metadata-service/migration';
import { DEFAULT_METADATA_SERVICE_IMAGE, METADATA_MIGRATION_COMMAND } from '../../../lib/infrastructure/metadata-service';
import { INFRA_OUTPUTS } from '../../../lib/runtime/naming';
import { renderCfnValue } from '../../../lib/stacks/summary';
import { METAFLOW_FIXTURES } from '../../support/fixtures';
import { LINEAR } from '../../lib/compile/helpers';
import { newStack, problemsOf } from '../support';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type Resources = Record<string, Resource>;

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (resources: Resources, type: string) => {
  const found = ofType(resources, type);
  expect(found).toHaveLength(1);
  return found[0];
};

/**
 * One stack: MetaflowInfrastructure deploying the service with the public API Gateway endpoint and an operator range,
 * a Python flow and a generic flow on it. Everything the service creates is asserted on this one synth.
 */
describe('MetaflowInfrastructure with metadataService', () => {
  let infra: MetaflowInfrastructure;
  let service: MetaflowMetadataService;
  let resources: Resources;
  let outputs: Record<string, { Value: unknown; Description?: string }>;
  let templateText: string;

  beforeAll(() => {
    const stack = newStack('Service');
    infra = new MetaflowInfrastructure(stack, 'Metaflow', { metadataService: { apiGateway: {}, operatorCidrs: ['10.100.0.0/16'], maxTasks: 3 } });
    service = infra.deployedMetadataService!;
    new MetaflowFlow(stack, 'Python', { infrastructure: infra, pythonFlowFile: path.join(METAFLOW_FIXTURES, 'linear_flow', 'flow.py'), image: 'python:3.11' });
    new MetaflowFlow(stack, 'Generic', { infrastructure: infra, flow: LINEAR, image: 'node:22-slim' });
    const json = Template.fromStack(stack).toJSON();
    resources = json.Resources;
    outputs = json.Outputs;
    templateText = JSON.stringify(json);
  });

  it('is the infrastructure\'s service, exposed with its parts', () => {
    expect(infra.metadataService).toBe(service);
    for (const part of [service.cluster, service.service, service.database, service.databaseSecret, service.loadBalancer, service.migration, service.api, service.headersSecret]) expect(part).toBeDefined();
  });

  it('runs the pinned image on Fargate in private subnets, without public IPs, scaling between the bounds', () => {
    const [, svc] = only(resources, 'AWS::ECS::Service');
    expect(svc.Properties.LaunchType).toBe('FARGATE');
    expect(svc.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const subnets = svc.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets.map((s: { Ref: string }) => s.Ref);
    expect(subnets.every((s: string) => /JobsSubnet/.test(s))).toBe(true);
    expect(svc.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    const [, target] = only(resources, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect([target.Properties.MinCapacity, target.Properties.MaxCapacity]).toEqual([1, 3]);
    const images = ofType(resources, 'AWS::ECS::TaskDefinition').map(([, t]) => t.Properties.ContainerDefinitions[0].Image);
    expect(images).toEqual([DEFAULT_METADATA_SERVICE_IMAGE, DEFAULT_METADATA_SERVICE_IMAGE]);
  });

  it('gives the containers the database password only as a Secrets Manager secret', () => {
    for (const [, td] of ofType(resources, 'AWS::ECS::TaskDefinition')) {
      const container = td.Properties.ContainerDefinitions[0];
      expect(container.Environment.map((e: { Name: string }) => e.Name)).not.toContain('MF_METADATA_DB_PSWD');
      expect(container.Secrets.map((s: { Name: string }) => s.Name).sort()).toEqual(['MF_METADATA_DB_PSWD', 'MF_METADATA_DB_USER']);
      expect(JSON.stringify(container.Secrets)).toContain(':password::');
      expect(container.ReadonlyRootFilesystem).toBe(true);
    }
  });

  it('keeps the database on Aurora Serverless v2, able to pause, encrypted, protected, snapshotted, rotated', () => {
    const [, cluster] = only(resources, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({ Engine: 'aurora-postgresql', StorageEncrypted: true, DeletionProtection: true, ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 } });
    const raw = Object.values(resources).find((r) => r.Type === 'AWS::RDS::DBCluster') as unknown as { DeletionPolicy: string; UpdateReplacePolicy: string };
    expect([raw.DeletionPolicy, raw.UpdateReplacePolicy]).toEqual(['Snapshot', 'Snapshot']);
    expect(only(resources, 'AWS::RDS::DBInstance')[1].Properties.DBInstanceClass).toBe('db.serverless');
    expect(only(resources, 'AWS::SecretsManager::RotationSchedule')[1].Properties.RotationRules.ScheduleExpression).toBe('rate(30 days)');
  });

  it('restarts the service when its database password changes: ECS reads the secret only when a task starts', () => {
    const [dbSecretId] = only(resources, 'AWS::SecretsManager::SecretTargetAttachment');
    const [, rule] = ofType(resources, 'AWS::Events::Rule').find(([id]) => /RestartOnRotation/.test(id))!;
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'], resources: [{ Ref: dbSecretId }], detail: { labelUpdated: ['AWSCURRENT'] } });
    const [machineId, machine] = ofType(resources, 'AWS::StepFunctions::StateMachine').find(([id]) => /RestartOnRotation/.test(id))!;
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: machineId });
    expect(machine.Properties.StateMachineType).toBe('EXPRESS');
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('arn:');
    expect(definition).toContain(':states:::aws-sdk:ecs:updateService');
    expect(definition).toContain('\\"ForceNewDeployment\\":true');
    const [serviceId] = only(resources, 'AWS::ECS::Service');
    const statements = ofType(resources, 'AWS::IAM::Policy').filter(([id]) => /RestartOnRotationStateMachineRole/.test(id)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements.find((st) => st.Action === 'ecs:updateService').Resource).toEqual({ Ref: serviceId });
  });

  it('migrates with a one-shot task before the service updates: the service depends on the migration, the migration on the database', () => {
    const [migrationId, migration] = only(resources, MIGRATION_RESOURCE_TYPE);
    const [, svc] = only(resources, 'AWS::ECS::Service');
    expect(svc.DependsOn).toContain(migrationId);
    const [clusterId] = only(resources, 'AWS::RDS::DBCluster');
    expect(migration.DependsOn).toEqual(expect.arrayContaining([clusterId]));
    const migrationTask = ofType(resources, 'AWS::ECS::TaskDefinition').find(([, t]) => t.Properties.ContainerDefinitions[0].Name === 'Migrate')!;
    expect(migrationTask[1].Properties.ContainerDefinitions[0].Command).toEqual([...METADATA_MIGRATION_COMMAND]);
    // A new revision of the migration task (image or settings changed) changes the resource, so the deploy migrates again.
    expect(migration.Properties.TaskDefinition).toEqual({ Ref: migrationTask[0] });
    expect(migration.Properties.ServiceToken['Fn::GetAtt'][0]).toMatch(/MigrationFunction/);
  });

  it('lets the migration function start only its task on its cluster and pass only its roles to ECS', () => {
    const policies = ofType(resources, 'AWS::IAM::Policy').filter(([id]) => /MigrationFunctionRole/.test(id));
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const run = statements.find((s) => s.Action === 'ecs:RunTask');
    expect(run.Resource.Ref).toMatch(/MigrationTask/);
    expect(run.Condition.ArnEquals['ecs:cluster']).toBeDefined();
    const pass = statements.find((s) => s.Action === 'iam:PassRole');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(pass.Resource.map((r: { 'Fn::GetAtt': string[] }) => r['Fn::GetAtt'][0]).every((id: string) => /Migration(TaskRole|TaskExecutionRole)/.test(id))).toBe(true);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('ecs:*');
  });

  it("every role of the service is trusted by its AWS service from this account only (confused-deputy guard)", () => {
    const roles = ofType(resources, 'AWS::IAM::Role').filter(([id]) => /^MetaflowMetadataService/.test(id));
    expect(roles.map(([id]) => id)).toEqual(expect.arrayContaining([
      expect.stringMatching(/TaskRole/), expect.stringMatching(/TaskExecutionRole/), expect.stringMatching(/MigrationTaskRole/), expect.stringMatching(/RestartOnRotationRuleRole/),
    ]));
    for (const [id, role] of roles) {
      for (const statement of role.Properties.AssumeRolePolicyDocument.Statement) {
        expect([id, statement.Condition?.StringEquals?.['aws:SourceAccount']]).toEqual([id, expect.anything()]);
      }
    }
  });

  it('the tasks\' execution roles read only the database secret; the task roles get no permission at all', () => {
    const policies = ofType(resources, 'AWS::IAM::Policy').filter(([id]) => /^MetaflowMetadataService/.test(id) && !/MigrationFunctionRole|Rotation/.test(id));
    const [dbSecretId] = only(resources, 'AWS::SecretsManager::SecretTargetAttachment');
    for (const [id, policy] of policies) {
      expect(id).toMatch(/ExecutionRole/);
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if ([statement.Action].flat().some((a: string) => a.startsWith('secretsmanager:'))) expect(statement.Resource).toEqual({ Ref: dbSecretId });
      }
    }
  });

  it('admits to the endpoint only the jobs and the operator range; the tasks only from the endpoint; the database only from the tasks', () => {
    const ingress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    const groups = Object.fromEntries(ofType(resources, 'AWS::EC2::SecurityGroup').map(([id, r]) => [id, r.Properties]));
    const idOf = (pattern: RegExp) => Object.keys(groups).find((id) => pattern.test(id))!;
    const endpoint = idOf(/EndpointSecurityGroup/);
    const tasks = idOf(/ServiceSecurityGroup/);
    const database = idOf(/DatabaseSecurityGroup/);
    const jobs = idOf(/JobsSecurityGroup/);
    const into = (group: string) => [
      ...ingress.filter((r) => r.GroupId['Fn::GetAtt'][0] === group).map((r) => r.SourceSecurityGroupId?.['Fn::GetAtt'][0] ?? r.CidrIp),
      ...(groups[group].SecurityGroupIngress ?? []).map((r: { CidrIp?: string; SourceSecurityGroupId?: { 'Fn::GetAtt': string[] } }) => r.SourceSecurityGroupId?.['Fn::GetAtt'][0] ?? r.CidrIp),
    ];
    expect(into(endpoint).sort()).toEqual([jobs, '10.100.0.0/16'].sort());
    expect(into(tasks)).toEqual([endpoint]);
    expect(into(database).every((source) => source === tasks || /Rotation/.test(source))).toBe(true);
    expect(into(database)).toContain(tasks);
    expect(JSON.stringify(Object.values(groups))).not.toContain('0.0.0.0/0","IpProtocol":"tcp","FromPort":80');
    const [, nlb] = only(resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(nlb.Properties).toMatchObject({ Scheme: 'internal', Type: 'network' });
  });

  it('authenticates the public endpoint with a key that lives only in Secrets Manager', () => {
    const methods = ofType(resources, 'AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    expect(methods.length).toBeGreaterThan(0);
    for (const m of methods) expect(m.ApiKeyRequired).toBe(true);
    const [, key] = only(resources, 'AWS::ApiGateway::ApiKey');
    expect(renderCfnValue(key.Properties.Value)).toMatch(/^\{\{resolve:secretsmanager:<MetaflowMetadataServiceApiKey[0-9A-F]+>:SecretString:x-api-key::\}\}$/);
  });

  it('no API key in any template or state machine definition: jobs read METAFLOW_SERVICE_HEADERS as a Batch secret', () => {
    const headersArn = { Ref: expect.stringMatching(/^MetaflowMetadataServiceApiKey/) };
    const jobDefinitions = ofType(resources, 'AWS::Batch::JobDefinition');
    expect(jobDefinitions.length).toBeGreaterThan(1);
    for (const [, jd] of jobDefinitions) {
      const container = jd.Properties.ContainerProperties ?? jd.Properties.NodeProperties.NodeRangeProperties[0].Container;
      expect(container.Secrets).toEqual(expect.arrayContaining([{ Name: 'METAFLOW_SERVICE_HEADERS', ValueFrom: headersArn }]));
      expect(container.ExecutionRoleArn).toBeDefined();
    }
    for (const [, sm] of ofType(resources, 'AWS::StepFunctions::StateMachine')) {
      const definition = JSON.stringify(sm.Properties.DefinitionString);
      expect(definition).not.toContain('METAFLOW_SERVICE_HEADERS');
      expect(definition).not.toContain('x-api-key');
      expect(definition).not.toContain('resolve:secretsmanager');
    }
    // Secrets Manager generates the key at deploy; the template writes "x-api-key": <value> only as a placeholder.
    const pairs = templateText.match(/x-api-key\\*"\s*:\s*\\*"[^"\\]*/g) ?? [];
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect(pair).toMatch(/<API key>$/);
    expect(templateText).toContain('"GenerateStringKey":"x-api-key"');
  });

  it('the execution role may read the key; nothing else of the jobs is widened', () => {
    const statements = ofType(resources, 'AWS::IAM::Policy').filter(([id]) => /^MetaflowExecutionRole/.test(id)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const read = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes('MetaflowMetadataServiceApiKey'));
    expect(read).toBeDefined();
  });

  it('the Python flow runs every step with --metadata from the job environment set to service and the internal URL', () => {
    // Command and literal environment live in each step's job definition; the overrides carry per-run values only.
    const jobDefinitions = ofType(resources, 'AWS::Batch::JobDefinition').filter(([id]) => id.startsWith('Python')).map(([, jd]) => JSON.stringify(jd.Properties.ContainerProperties));
    expect(jobDefinitions.length).toBeGreaterThanOrEqual(3);
    for (const container of jobDefinitions) {
      expect(container).toContain('--metadata=$METAFLOW_DEFAULT_METADATA');
      expect(container).toContain('{"Name":"METAFLOW_DEFAULT_METADATA","Value":"service"}');
      expect(container).toMatch(/\{"Name":"METAFLOW_SERVICE_URL","Value":\{"Fn::Join":\["",\["http:\/\/",\{"Fn::GetAtt":\["MetaflowMetadataServiceLoadBalancer[0-9A-F]+","DNSName"\]\},"\/"\]\]\}\}/);
    }
    const [, sm] = ofType(resources, 'AWS::StepFunctions::StateMachine').find(([id]) => id.startsWith('Python'))!;
    expect(JSON.stringify(sm.Properties.DefinitionString)).not.toContain('METAFLOW_SERVICE_HEADERS');
  });

  it('the generic flow\'s jobs get the internal URL in their job definitions', () => {
    const generic = ofType(resources, 'AWS::Batch::JobDefinition').filter(([id]) => id.startsWith('Generic'));
    expect(generic.length).toBeGreaterThan(0);
    for (const [, jd] of generic) {
      const url = jd.Properties.ContainerProperties.Environment.find((e: { Name: string }) => e.Name === 'METAFLOW_SERVICE_URL');
      expect(renderCfnValue(url.Value)).toMatch(/^http:\/\/<MetaflowMetadataServiceLoadBalancer[0-9A-F]+\.DNSName>\/$/);
    }
  });

  it('exports METAFLOW_DEFAULT_METADATA=service, both URLs, and where the key is (not the key)', () => {
    const json = JSON.parse(renderCfnValue(outputs[INFRA_OUTPUTS.configJson].Value));
    expect(json.METAFLOW_DEFAULT_METADATA).toBe('service');
    expect(json.METAFLOW_SERVICE_URL).toMatch(/^https:\/\/<MetaflowMetadataServiceApi[0-9A-F]+>\.execute-api\.eu-west-1\.<AWS::URLSuffix>\/<.+>\/$/);
    expect(json.METAFLOW_SERVICE_INTERNAL_URL).toMatch(/^http:\/\/<MetaflowMetadataServiceLoadBalancer[0-9A-F]+\.DNSName>\/$/);
    expect(json).not.toHaveProperty('METAFLOW_SERVICE_AUTH_KEY');
    const keyOutput = outputs[SERVICE_AUTH_KEY_OUTPUT];
    expect(renderCfnValue(keyOutput.Value)).toMatch(/^<MetaflowMetadataServiceApiKey[0-9A-F]+>$/);
    expect(keyOutput.Description).toContain('METAFLOW_SERVICE_AUTH_KEY');
    expect(keyOutput.Description).toContain('aws secretsmanager get-secret-value');
  });
});

describe('MetaflowMetadataService alone', () => {
  const existingVpc = (stack: Stack) => ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
    publicSubnetIds: ['subnet-0000000000000001a', 'subnet-0000000000000001b'],
  });

  it('runs in an existing VPC\'s private subnets, on RDS when asked, privately with no key and no API', () => {
    const stack = newStack('Alone');
    const vpc = existingVpc(stack);
    const service = new MetaflowMetadataService(stack, 'Metadata', { vpc, database: { engine: MetadataDatabaseEngine.RDS_POSTGRES } });
    // Given to an infrastructure as a built service: it admits the infrastructure's jobs.
    const infra = new MetaflowInfrastructure(stack, 'Metaflow', { vpc, metadataService: service });
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    expect(infra.metadataService).toBe(service);
    expect(infra.deployedMetadataService).toBeUndefined();
    const jobsGroup = ofType(resources, 'AWS::EC2::SecurityGroup').find(([id]) => /JobsSecurityGroup/.test(id))![0];
    const endpointIngress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties).filter((r) => /EndpointSecurityGroup/.test(r.GroupId['Fn::GetAtt'][0]));
    expect(endpointIngress.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0])).toEqual([jobsGroup]);
    expect(only(resources, 'AWS::ECS::Service')[1].Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(['subnet-0000000000000000a', 'subnet-0000000000000000b']);
    expect(only(resources, 'AWS::RDS::DBInstance')[1].Properties).toMatchObject({ Engine: 'postgres', StorageEncrypted: true, MultiAZ: true, DeletionProtection: true, PubliclyAccessible: false });
    expect(ofType(resources, 'AWS::ApiGateway::RestApi')).toHaveLength(0);
    expect(service.headersSecret).toBeUndefined();
    expect(service.url).toBe(service.internalUrl);
  });

  it('fromMetadataServiceAttributes brings a service deployed elsewhere', () => {
    const stack = newStack('Imported');
    const headersSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Headers', 'metaflow/headers');
    const imported = MetaflowMetadataService.fromMetadataServiceAttributes(stack, 'Svc', { url: 'https://md.example/api/', headersSecret });
    expect(imported).toMatchObject({ url: 'https://md.example/api/', internalUrl: 'https://md.example/api/', headersSecret });
  });

  it('fromMetadataServiceAttributes refuses an empty URL and one without a scheme', () => {
    const stack = newStack('ImportedBad');
    expect(problemsOf(() => MetaflowMetadataService.fromMetadataServiceAttributes(stack, 'Empty', { url: '' }))).toEqual([
      expect.objectContaining({ where: 'ImportedBad/Empty', field: 'url', value: '', message: expect.stringContaining('METAFLOW_DEFAULT_METADATA=local') }),
    ]);
    expect(problemsOf(() => MetaflowMetadataService.fromMetadataServiceAttributes(stack, 'NoScheme', { url: 'https://md.example/', internalUrl: 'metadata.internal' }))).toEqual([
      expect.objectContaining({ field: 'internalUrl', value: 'metadata.internal', message: 'a metadata service URL is http:// or https:// followed by the host', fix: expect.stringContaining('https://') }),
    ]);
  });
});

describe('bad input is refused at synth with the fix', () => {
  const build = (props: Partial<ConstructorParameters<typeof MetaflowMetadataService>[2]>, vpc?: (s: Stack) => ec2.IVpc) => problemsOf(() => {
    const stack = newStack('Bad');
    new MetaflowMetadataService(stack, 'Metadata', { vpc: vpc ? vpc(stack) : new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }), ...props });
  });

  it('a VPC without private subnets', () => {
    const problems = build({}, (s) => new ec2.Vpc(s, 'PublicOnly', { maxAzs: 2, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] }));
    expect(problems).toEqual([expect.objectContaining({ field: 'vpcSubnets', message: expect.stringContaining('no private subnets') })]);
  });

  it('public subnets selected for the service', () => {
    const problems = build({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    expect(problems).toEqual([expect.objectContaining({ field: 'vpcSubnets', message: expect.stringContaining('public subnets'), fix: expect.stringContaining('PRIVATE_WITH_EGRESS') })]);
  });

  it('a database password in plain text', () => {
    const problems = build({ database: { credentials: rds.Credentials.fromPassword('metaflow', SecretValue.unsafePlainText('hunter2hunter2')) } });
    expect(problems).toEqual([expect.objectContaining({ field: 'database.credentials', message: expect.stringContaining('written into the template') })]);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('a public endpoint without authentication', () => {
    expect(build({ apiGateway: { apiKeyRequired: false } })).toEqual([expect.objectContaining({ field: 'apiGateway.apiKeyRequired', fix: expect.stringContaining('keep apiKeyRequired') })]);
  });

  it('an image tagged latest, and one without a tag', () => {
    expect(build({ image: 'netflixoss/metaflow_metadata_service:latest' })).toEqual([expect.objectContaining({ field: 'image', fix: expect.stringContaining(DEFAULT_METADATA_SERVICE_IMAGE) })]);
    expect(build({ image: 'netflixoss/metaflow_metadata_service' })).toEqual([expect.objectContaining({ field: 'image' })]);
  });

  it('an image name with spaces', () => {
    expect(build({ image: 'netflixoss/metaflow metadata:v2.5.0' })).toEqual([expect.objectContaining({ field: 'image', message: expect.stringContaining('no spaces'), fix: expect.stringContaining(DEFAULT_METADATA_SERVICE_IMAGE) })]);
  });

  it('a cpu Fargate does not offer, and a memory Fargate does not pair with the cpu', () => {
    expect(build({ cpu: 300 })).toEqual([expect.objectContaining({ field: 'cpu', value: 300, fix: expect.stringContaining('256, 512, 1024') })]);
    expect(build({ cpu: 256, memory: Size.gibibytes(8) })).toEqual([expect.objectContaining({ field: 'memory', value: '8192 MiB', message: 'with cpu 256 Fargate takes a memory of 512, 1024 or 2048 MiB' })]);
  });

  it('a CPU target outside 1 to 100 percent', () => {
    for (const targetCpuPercent of [0, -10, 150]) {
      expect(build({ targetCpuPercent })).toEqual([expect.objectContaining({ field: 'targetCpuPercent', value: targetCpuPercent, message: expect.stringContaining('1 to 100') })]);
    }
  });

  it('an API source range that is not a CIDR block', () => {
    expect(build({ apiGateway: { allowedSourceCidrs: ['nope'] } })).toEqual([expect.objectContaining({ field: 'apiGateway.allowedSourceCidrs', value: 'nope', message: 'not an IPv4 CIDR block' })]);
  });

  it('backup retention outside 1 to 35 days', () => {
    expect(build({ database: { backupRetention: Duration.days(0) } })).toEqual([expect.objectContaining({ field: 'database.backupRetention', value: '0 days', fix: 'set e.g. Duration.days(7)' })]);
    expect(build({ database: { engine: MetadataDatabaseEngine.RDS_POSTGRES, backupRetention: Duration.days(36) } })).toEqual([expect.objectContaining({ field: 'database.backupRetention', value: '36 days' })]);
  });

  it('a rotation interval outside 4 hours to 1000 days, before aws-cdk-lib\'s own error', () => {
    expect(build({ database: { rotationInterval: Duration.hours(2) } })).toEqual([expect.objectContaining({ field: 'database.rotationInterval', value: '2 hours', message: expect.stringContaining('4 hours to 1000 days'), fix: expect.stringContaining('Duration.days(30)') })]);
    expect(build({ database: { rotationInterval: Duration.days(2000) } })).toEqual([expect.objectContaining({ field: 'database.rotationInterval', value: '2000 days' })]);
  });

  it('Aurora capacity with the RDS engine, and RDS instance settings with Aurora', () => {
    expect(build({ database: { engine: MetadataDatabaseEngine.RDS_POSTGRES, minCapacity: 0, maxCapacity: 4 } }).map((p) => p.field)).toEqual(['database.minCapacity', 'database.maxCapacity']);
    const problems = build({ database: { instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM), multiAz: false } });
    expect(problems).toEqual([
      expect.objectContaining({ field: 'database.instanceType', value: 't4g.medium', fix: 'remove instanceType, or set engine: MetadataDatabaseEngine.RDS_POSTGRES' }),
      expect.objectContaining({ field: 'database.multiAz', value: false }),
    ]);
  });

  it('an engine that is not a MetadataDatabaseEngine value (from JavaScript), instead of an RDS instance', () => {
    expect(build({ database: { engine: 'aurora' as never } })).toEqual([expect.objectContaining({ field: 'database.engine', value: 'aurora', fix: 'use one of MetadataDatabaseEngine.AURORA_SERVERLESS_V2, MetadataDatabaseEngine.RDS_POSTGRES' })]);
  });

  it('every problem at once', () => {
    const problems = build({ image: 'x:latest', minTasks: 0, operatorCidrs: ['0.0.0.0/0'], apiGateway: { apiKeyRequired: false } });
    expect(problems.map((p) => p.field).sort()).toEqual(['apiGateway.apiKeyRequired', 'image', 'minTasks', 'operatorCidrs']);
  });

  it('through MetaflowInfrastructure too, naming the service\'s path', () => {
    const problems = problemsOf(() => new MetaflowInfrastructure(newStack('BadInfra'), 'Metaflow', { metadataService: { image: 'repo/md:latest' } }));
    expect(problems).toEqual([expect.objectContaining({ where: 'BadInfra/Metaflow/MetadataService', field: 'image' })]);
  });
});

