import { Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { IMetaflowDatastoreRef, IMetaflowInfrastructure, MetaflowQueueRef, QueueCapabilities } from '../../../constructs/infrastructure/contract';

/** A minimal `IMetaflowInfrastructure` from plain resources, so flow tests do not depend on MetaflowInfrastructure. */
export function testInfrastructure(scope: Construct, queues: Record<string, Partial<QueueCapabilities>> = {}): IMetaflowInfrastructure {
  const stack = Stack.of(scope);
  const bucket = new s3.Bucket(scope, 'Datastore', {
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
  });
  const rootPrefix = 'metaflow';
  const datastore: IMetaflowDatastoreRef = {
    bucket,
    rootPrefix,
    sysroot: `s3://${bucket.bucketName}/${rootPrefix}`,
    grantRead: (grantee, pattern = '*') => bucket.grantRead(grantee, `${rootPrefix}/${pattern}`),
    grantReadWrite: (grantee, pattern = '*') => bucket.grantReadWrite(grantee, `${rootPrefix}/${pattern}`),
  };
  const table = new dynamodb.Table(scope, 'Table', { partitionKey: { name: 'pathspec', type: dynamodb.AttributeType.STRING } });
  const all: Record<string, Partial<QueueCapabilities>> = {
    cpu: { platform: 'EC2', spot: true, maxVcpus: 256 },
    gpu: { platform: 'EC2', gpu: true, maxVcpus: 64 },
    fargate: { platform: 'FARGATE', maxVcpus: 16 },
    ...queues,
  };
  const queueRefs: MetaflowQueueRef[] = Object.entries(all).map(([name, caps]) => ({
    name,
    queue: batch.JobQueue.fromJobQueueArn(scope, `Queue-${name}`, stack.formatArn({ service: 'batch', resource: 'job-queue', resourceName: name })),
    capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: false, maxVcpus: 256, ...caps },
  }));
  return {
    datastore,
    coordinationTable: table,
    queues: queueRefs,
    defaultQueueName: 'cpu',
    jobRole: new iam.Role(scope, 'JobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
    executionRole: new iam.Role(scope, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
    secrets: [],
  };
}

/**
 * The state machine definition as the template holds it (a string, or an `Fn::Join` of strings and references),
 * parsed with each reference replaced by a placeholder ARN: what a deploy or the local engine would read.
 */
export function definitionFromTemplate(definitionString: unknown): Record<string, unknown> {
  const flatten = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const o = part as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(sep);
    }
    if ('Ref' in o) return o.Ref === 'AWS::Partition' ? 'aws' : `arn:aws:batch:eu-west-1:123456789012:placeholder/${String(o.Ref)}`;
    if (Array.isArray(o['Fn::GetAtt'])) return `arn:aws:lambda:eu-west-1:123456789012:function:${(o['Fn::GetAtt'] as string[])[0]}`;
    return 'placeholder';
  };
  return JSON.parse(flatten(definitionString)) as Record<string, unknown>;
}

type TemplateResources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface SubmittedState {
  name: string;
  Parameters: { JobDefinition: string; ContainerOverrides?: { Environment?: Array<{ Name: string; Value?: string; 'Value.$'?: string }> } } & Record<string, unknown>;
}

/** A template value as one string: `Fn::Join`/`Fn::Sub` flattened, other intrinsics as `placeholder`. */
function templateString(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = value as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(templateString).join(sep);
  }
  if (typeof o['Fn::Sub'] === 'string') return (o['Fn::Sub'] as string).replace(/\$\{[^}]+\}/g, 'placeholder');
  return 'placeholder';
}

/**
 * What the container of a Batch Task of a Metaflow flow gets, as Batch merges it: the job definition's command,
 * environment and resources (where the static part lives) and the overrides' variables on top, in a state of the
 * shape Metaflow's compiler writes (everything in `ContainerOverrides`).
 */
export function effectiveState<S extends SubmittedState>(state: S, resources: TemplateResources): S & { Parameters: { ContainerOverrides: { Command: string[]; Environment: Array<{ Name: string; Value?: string; 'Value.$'?: string }>; ResourceRequirements: Array<{ Type: string; Value: string }> } } } {
  const id = state.Parameters.JobDefinition.split('placeholder/')[1];
  const jd = resources[id]?.Properties.ContainerProperties as { Command: unknown[]; Environment?: Array<{ Name: string; Value: unknown }>; ResourceRequirements: Array<{ Type: string; Value: string }> } | undefined;
  if (jd === undefined) throw new Error(`state ${state.name} submits ${state.Parameters.JobDefinition}, which is not a container job definition of the template`);
  const dynamic = state.Parameters.ContainerOverrides?.Environment ?? [];
  const environment = [...(jd.Environment ?? []).filter((e) => !dynamic.some((d) => d.Name === e.Name)).map((e) => ({ Name: e.Name, Value: templateString(e.Value) })), ...dynamic];
  return { ...state, Parameters: { ...state.Parameters, ContainerOverrides: { Command: jd.Command.map(templateString), Environment: environment, ResourceRequirements: jd.ResourceRequirements } } } as never;
}
