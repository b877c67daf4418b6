import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { DatastoreEncryption } from '../../constructs/datastore/datastore';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import type { MetaflowMetadataServiceOptions } from '../../constructs/metadata-service/metadata-service';

export interface MetaflowReferenceStackProps extends StackProps {
  /**
   * `METAFLOW_SFN_STATE_MACHINE_PREFIX`.
   * @default 'metaflow'
   */
  readonly stateMachinePrefix?: string;
  /**
   * Deploy a Metaflow metadata service (`{}` for its defaults) that every flow of the stack registers runs with.
   * @default - none: flows keep metadata in the datastore
   */
  readonly metadataService?: MetaflowMetadataServiceOptions;
}

/**
 * The reference deployment: a spot-first CPU queue with on-demand fallback, a GPU queue, a Fargate queue (Fargate Spot
 * first), a KMS-encrypted versioned datastore and one secret the jobs may read. Flows are added to `infrastructure`.
 */
export class MetaflowReferenceStack extends Stack {
  readonly infrastructure: MetaflowInfrastructure;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: MetaflowReferenceStackProps = {}) {
    super(scope, id, props);
    this.secret = new secretsmanager.Secret(this, 'ApiToken', {
      description: 'Example secret jobs read with @secrets(sources=["aws-secrets-manager.<name>"])',
      generateSecretString: { secretStringTemplate: JSON.stringify({ API_USER: 'metaflow' }), generateStringKey: 'API_TOKEN' },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'An example: CloudFormation generates its value (generateSecretString) as a placeholder for a credential you store in it. Rotation needs a Lambda that changes the credential where it is issued, which only its owner can write; replace the value and rotate it there.',
    });
    this.infrastructure = new MetaflowInfrastructure(this, 'Metaflow', {
      stateMachinePrefix: props.stateMachinePrefix ?? 'metaflow',
      datastore: { encryption: DatastoreEncryption.KMS, versioned: true },
      computeEnvironments: {
        spot: ComputeEnvironmentPresets.spot({ maxVcpus: 512 }),
        onDemand: ComputeEnvironmentPresets.onDemand({ maxVcpus: 256 }),
        gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 64 }),
        fargateSpot: ComputeEnvironmentPresets.fargateSpot({ maxVcpus: 128 }),
        fargate: ComputeEnvironmentPresets.fargate({ maxVcpus: 128 }),
      },
      queues: [
        { name: 'cpu', priority: 30, computeEnvironments: ['spot', 'onDemand'] },
        { name: 'gpu', priority: 20, computeEnvironments: ['gpu'], runnableWatchdog: { insufficientCapacity: Duration.hours(6) } },
        { name: 'fargate', priority: 10, computeEnvironments: ['fargateSpot', 'fargate'] },
      ],
      secrets: [this.secret],
      ...(props.metadataService ? { metadataService: props.metadataService } : {}),
    });
  }
}
