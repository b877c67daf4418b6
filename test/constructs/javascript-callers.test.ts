import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MetaflowComputeEnvironment } from '../../constructs/compute/compute-environment';
import { MetaflowCoordinationTable } from '../../constructs/coordination/coordination-table';
import { MetaflowDatastore } from '../../constructs/datastore/datastore';
import { MetaflowFlow } from '../../constructs/flow/metaflow-flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { MetaflowNetwork } from '../../constructs/infrastructure/network';
import { MetaflowJobQueue } from '../../constructs/queues/job-queue';
import { MetaflowJobRole } from '../../constructs/security/job-role';
import { FlowSchedule } from '../../constructs/triggers/flow-schedule';
import { S3UploadTrigger } from '../../constructs/triggers/s3-upload-trigger';
import { MetaflowMetadataService } from '../../constructs/metadata-service/metadata-service';
import { testInfrastructure } from './flow/test-infrastructure';
import { newStack, newVpc, problemsOf } from './support';

// What a JavaScript caller can pass that TypeScript stops. Each of these synthesized before, into a template that
// did something else than asked (first group) or failed inside the library with a TypeError (second group).
const as = <T>(value: unknown) => value as T;
const fieldsOf = (build: () => unknown) => problemsOf(build).map((p) => `${p.field}=${JSON.stringify(p.value)}`);

describe('props from JavaScript that synthesized into another template', () => {
  it('metadataService: false deployed a whole metadata service', () => {
    expect(fieldsOf(() => new MetaflowInfrastructure(newStack(), 'M', { metadataService: as(false) }))).toEqual(['metadataService=false']);
  });

  it("containerMetadataAccess: 'false' let containers reach the instance role's credentials", () => {
    const stack = newStack();
    expect(fieldsOf(() => new MetaflowComputeEnvironment(stack, 'Ce', { vpc: newVpc(stack), containerMetadataAccess: as('false') }))).toEqual(['containerMetadataAccess="false"']);
  });

  it("metaflow.packageSuffixes: '.sql' packaged every file ending in s, q or l (credentials.yml)", () => {
    const stack = newStack();
    const doc = { version: 1 as const, name: 'Js', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] };
    expect(fieldsOf(() => new MetaflowFlow(stack, 'F', { infrastructure: testInfrastructure(stack), flow: doc, image: 'python:3.12', metaflow: { packageSuffixes: as('.sql') } }))).toEqual(['metaflow.packageSuffixes=".sql"']);
  });

  it('a jobRole ARN left every job definition without a role; a job tag string became one tag per character', () => {
    const stack = newStack();
    const doc = { version: 1 as const, name: 'Js', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] };
    expect(fieldsOf(() => new MetaflowFlow(stack, 'F', {
      infrastructure: testInfrastructure(stack), flow: doc, image: 'python:3.12',
      jobRole: as('arn:aws:iam::123456789012:role/jobs'), jobTags: as('team=ml'), logRetention: as(45),
    }))).toEqual(['jobTags="team=ml"', 'jobRole="arn:aws:iam::123456789012:role/jobs"', 'logRetention=45']);
  });

  it("a datastore's versioned: 'false', an encryption key ARN (AWS managed key used) and access logs: 'true' (none)", () => {
    expect(fieldsOf(() => new MetaflowDatastore(newStack(), 'Ds', { versioned: as('false'), encryptionKey: as('arn:aws:kms:eu-west-1:123456789012:key/k'), serverAccessLogs: as('true') })))
      .toEqual(['encryptionKey="arn:aws:kms:eu-west-1:123456789012:key/k"', 'versioned="false"', 'serverAccessLogs="true"']);
  });

  it('a permissions boundary ARN on a role made on its own applied no boundary', () => {
    const stack = newStack();
    const datastore = MetaflowDatastore.fromBucket(stack, 'Ds', s3.Bucket.fromBucketName(stack, 'B', 'data'));
    const table = new MetaflowCoordinationTable(stack, 'T').table;
    expect(fieldsOf(() => new MetaflowJobRole(stack, 'R', { datastore, coordinationTable: table, permissionsBoundary: as('arn:aws:iam::123456789012:policy/b') }))).toEqual(['permissionsBoundary="arn:aws:iam::123456789012:policy/b"']);
  });

  it("restrictDefaultSecurityGroup: 'false' and a flow log retention of '7'", () => {
    expect(fieldsOf(() => new MetaflowNetwork(newStack(), 'N', { restrictDefaultSecurityGroup: as('false'), flowLogRetention: as('7') }))).toEqual(['restrictDefaultSecurityGroup="false"', 'flowLogRetention="7"']);
  });
});

describe('props from JavaScript that failed inside the library', () => {
  it('a rootVolumeSize number, one security group instead of a list, instance types as strings', () => {
    const stack = newStack();
    const vpc = newVpc(stack);
    expect(fieldsOf(() => new MetaflowComputeEnvironment(stack, 'Ce', { vpc, rootVolumeSize: as(100), securityGroups: as(new ec2.SecurityGroup(stack, 'Sg', { vpc })), instanceTypes: as(['m5.large']) })))
      .toEqual(['instanceTypes=["m5.large"]', 'rootVolumeSize=100', 'securityGroups="construct Test/Sg"']);
  });

  it('a queue given one environment, a watchdog of numbers', () => {
    const stack = newStack();
    const ce = new MetaflowComputeEnvironment(stack, 'Ce', { vpc: newVpc(stack) });
    expect(fieldsOf(() => new MetaflowJobQueue(stack, 'Q', { name: 'q', computeEnvironments: as(ce) }))).toEqual(['computeEnvironments="construct Test/Ce"']);
    expect(fieldsOf(() => new MetaflowJobQueue(stack, 'Q2', { name: 'q', computeEnvironments: [ce], runnableWatchdog: { misconfigured: as(600) } }))).toEqual(['runnableWatchdog.misconfigured=600']);
  });

  it('queues and secrets given as one item, a state machine ARN to FlowSchedule', () => {
    expect(fieldsOf(() => new MetaflowInfrastructure(newStack(), 'M', { queues: as({ name: 'q', computeEnvironments: ['spot'] }), secrets: as('prod/db') }))).toEqual(['queues={"name":"q","computeEnvironments":["spot"]}', 'secrets="prod/db"']);
    expect(fieldsOf(() => new FlowSchedule(newStack(), 'S', { stateMachine: as('arn:aws:states:eu-west-1:123456789012:stateMachine:f'), schedule: { daily: true } }))).toEqual(['stateMachine="arn:aws:states:eu-west-1:123456789012:stateMachine:f"']);
  });

  it('Durations given as numbers', () => {
    expect(fieldsOf(() => new MetaflowDatastore(newStack(), 'Ds', { distributedMapExpiration: as(30), expiringPrefixes: [{ prefix: 'scratch', expiration: as(7) }] }))).toEqual(['distributedMapExpiration=30', 'expiringPrefixes[0].expiration=7']);
  });

  it('required props left out (TypeScript requires them; JavaScript callers met a TypeError inside the library)', () => {
    const stack = newStack();
    const required = (build: () => unknown) => problemsOf(build).map((p) => `${p.field}: ${p.message}`);
    expect(required(() => new MetaflowComputeEnvironment(stack, 'Ce', as({})))).toEqual(['vpc: is required (a construct, not its name or ARN)']);
    expect(problemsOf(() => new MetaflowComputeEnvironment(stack, 'Ce2', as({})))[0].fix).toContain('ec2.Vpc.fromLookup');
    expect(required(() => new MetaflowJobQueue(stack, 'Q', as({ name: 'q' })))).toEqual(['computeEnvironments: is required (a list of objects)']);
    expect(required(() => new FlowSchedule(stack, 'S', as({ schedule: { daily: true } })))).toEqual(['stateMachine: is required (a construct, not its name or ARN)']);
    expect(required(() => new MetaflowFlow(stack, 'F', as(undefined)))).toEqual(['infrastructure: is required']);
    expect(required(() => new MetaflowJobRole(stack, 'R', as({ datastore: testInfrastructure(stack).datastore })))).toEqual(['coordinationTable: is required (a construct, not its name or ARN)']);
    expect(required(() => new MetaflowMetadataService(stack, 'Svc', as({})))).toEqual(['vpc: is required (a construct, not its name or ARN)']);
    expect(required(() => new S3UploadTrigger(stack, 'T', as({ trigger: { bucket: 'landing' } })))).toEqual([
      'stateMachine: is required (a construct, not its name or ARN)', 'flowName: is required (a string)', 'datastoreBucketName: is required (a string)', 'datastorePrefix: is required (a string)',
    ]);
    // a queue without a name synthesized a queue called "undefined" beside the others
    expect(required(() => new MetaflowInfrastructure(newStack(), 'M', { queues: [{ name: 'cpu', computeEnvironments: ['spot'] }, as({ computeEnvironments: ['onDemand'] })] }))).toEqual(['name: is required (a string)']);
  });
});
