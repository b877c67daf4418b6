import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { jobDefinitionSizeProblems } from '../../lib/compile/job-definition-size';
import { JobDefinitionSpec, hashOf } from '../../lib/compile/job-definitions';
import { type Problem, ValidationError } from '../../lib/errors';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';

export interface FlowJobDefinitionsProps {
  readonly flowName: string;
  readonly specs: readonly JobDefinitionSpec[];
  /** The job definition key of each step (`JobDefinitionSpec.key`), to name the steps of one that is too large. */
  readonly stepKeys: ReadonlyMap<string, string>;
  readonly infrastructure: IMetaflowInfrastructure;
  /** The flow's job role (steps with `iamRole` use theirs). */
  readonly jobRole: iam.IRole;
  /**
   * The flow's execution role, for jobs Batch injects secrets into.
   * @default - the infrastructure's execution role
   */
  readonly executionRole?: iam.IRole;
}

/** The roles a job definition names by default. */
export interface JobDefinitionRoles {
  readonly jobRole: iam.IRole;
  readonly executionRole: iam.IRole;
}

/** Characters of the content hash in a job definition name. */
export const JOB_DEFINITION_HASH_LENGTH = 16;

/** Batch job definition names of a flow start with this: `<flow>-<content hash>`. */
export function jobDefinitionNamePrefix(flowName: string): string {
  return `${flowName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100)}-`;
}

function containerProperties(spec: JobDefinitionSpec, roles: JobDefinitionRoles): batch.CfnJobDefinition.ContainerPropertiesProperty {
  const fargate = spec.platform === 'FARGATE';
  const secrets = Object.entries(spec.secrets).map(([name, valueFrom]) => ({ name, valueFrom }));
  const linux = spec.linuxParameters;
  return {
    image: spec.image,
    command: [...spec.command],
    environment: Object.entries(spec.environment).map(([name, value]) => ({ name, value })),
    resourceRequirements: [
      { type: 'VCPU', value: String(spec.vcpus) },
      { type: 'MEMORY', value: String(Math.floor(spec.memoryMiB)) },
      ...(spec.gpus > 0 ? [{ type: 'GPU', value: String(spec.gpus) }] : []),
    ],
    jobRoleArn: spec.jobRoleArn ?? roles.jobRole.roleArn,
    // Batch reads secrets with the execution role on EC2 too; a step's own execution role is kept wherever it runs.
    ...(fargate || secrets.length > 0 || spec.executionRoleArn !== undefined ? { executionRoleArn: spec.executionRoleArn ?? roles.executionRole.roleArn } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(linux
      ? {
          linuxParameters: {
            ...(linux.sharedMemorySize !== undefined ? { sharedMemorySize: linux.sharedMemorySize } : {}),
            ...(linux.maxSwap !== undefined ? { maxSwap: linux.maxSwap } : {}),
            ...(linux.swappiness !== undefined ? { swappiness: linux.swappiness } : {}),
            ...(linux.tmpfs ? { tmpfs: linux.tmpfs.map((t) => ({ ...t, mountOptions: [...t.mountOptions] })) } : {}),
            ...(linux.devices ? { devices: linux.devices.map((d) => ({ ...d, permissions: [...d.permissions] })) } : {}),
          },
        }
      : {}),
    ...(spec.privileged ? { privileged: true } : {}),
    ...(spec.logDriver ? { logConfiguration: { logDriver: spec.logDriver, ...(spec.logOptions ? { options: spec.logOptions } : {}) } } : {}),
    ...(fargate
      ? {
          fargatePlatformConfiguration: { platformVersion: 'LATEST' },
          networkConfiguration: { assignPublicIp: 'DISABLED' },
          ...(spec.ephemeralStorageGiB !== undefined ? { ephemeralStorage: { sizeInGiB: spec.ephemeralStorageGiB } } : {}),
        }
      : {}),
  };
}

/** The CloudFormation properties of one job definition (without its name). */
export function jobDefinitionProperties(spec: JobDefinitionSpec, roles: JobDefinitionRoles): batch.CfnJobDefinitionProps {
  const container = containerProperties(spec, roles);
  return {
    type: spec.type,
    platformCapabilities: [spec.platform],
    propagateTags: true,
    retryStrategy: { attempts: spec.retryStrategy.attempts, evaluateOnExit: spec.retryStrategy.evaluateOnExit.map((e) => ({ ...e })) },
    timeout: { attemptDurationSeconds: spec.timeoutSeconds },
    tags: { ...spec.tags },
    ...(spec.type === 'multinode'
      ? { nodeProperties: { numNodes: spec.numNodes ?? 1, mainNode: 0, nodeRangeProperties: (spec.nodeRanges ?? ['0:']).map((targetNodes) => ({ targetNodes, container })) } }
      : { containerProperties: container }),
  };
}

/**
 * One immutable job definition per distinct step configuration. Its logical id and name carry a hash of its resolved
 * CloudFormation properties, so a changed configuration is a new resource, never an update; the old revision is
 * retained (DeletionPolicy and UpdateReplacePolicy `Retain`), so an execution that started before a deploy and still
 * has to submit it finds it registered.
 */
export class FlowJobDefinitions extends Construct {
  /** By compile key (`JobDefinitionSpec.key`). */
  readonly byKey: ReadonlyMap<string, batch.CfnJobDefinition>;

  constructor(scope: Construct, id: string, props: FlowJobDefinitionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const byKey = new Map<string, batch.CfnJobDefinition>();
    const tooLarge: Problem[] = [];
    for (const spec of props.specs) {
      const properties = jobDefinitionProperties(spec, { jobRole: props.jobRole, executionRole: props.executionRole ?? props.infrastructure.executionRole });
      const resolved = stack.resolve(properties);
      const steps = [...props.stepKeys].filter(([, key]) => key === spec.key).map(([step]) => step);
      tooLarge.push(...jobDefinitionSizeProblems(props.flowName, steps, resolved));
      const hash = hashOf(resolved, JOB_DEFINITION_HASH_LENGTH);
      const jd = new batch.CfnJobDefinition(this, `JobDefinition${hash}`, {
        ...properties,
        jobDefinitionName: `${jobDefinitionNamePrefix(props.flowName)}${hash}`,
      });
      jd.applyRemovalPolicy(RemovalPolicy.RETAIN);
      byKey.set(spec.key, jd);
    }
    if (tooLarge.length > 0) throw new ValidationError(tooLarge);
    this.byKey = byKey;
  }
}
