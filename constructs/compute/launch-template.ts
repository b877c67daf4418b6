import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ValidationError } from '../../lib/errors';
import { propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { acknowledgeGuardRule } from '../security/acknowledgements';

export interface SecureLaunchTemplateProps {
  /**
   * Size of the encrypted gp3 root volume (holds images, the Docker layer cache and job scratch space).
   * @default Size.gibibytes(100)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Let job containers reach the instance metadata service (IMDSv2 hop limit 2 instead of 1). Containers on Batch EC2
   * hosts use bridge networking, one hop behind the host, so with the default hop limit of 1 they cannot reach it and
   * cannot take the instance role's credentials (ECR pulls from every repository, ECS agent calls); jobs get their
   * credentials from the job role and their region from `AWS_DEFAULT_REGION`. Turn it on only for code that needs
   * the metadata itself, e.g. Metaflow's best-effort instance-type and spot-interruption reporting.
   * @default false
   */
  readonly containerMetadataAccess?: boolean;
}

/**
 * Launch template for Batch EC2 instances: IMDSv2 required, unreachable from job containers by default, and an
 * encrypted root volume.
 */
export class SecureLaunchTemplate extends Construct {
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly rootVolumeSize: Size;

  constructor(scope: Construct, id: string, props: SecureLaunchTemplateProps = {}) {
    super(scope, id);
    // `containerMetadataAccess: 'false'` from JavaScript would open the instance role's credentials to containers
    const kinds = propKindProblems(this.node.path, props, { rootVolumeSize: 'Size', containerMetadataAccess: 'boolean' });
    if (kinds.length > 0) throw new ValidationError(kinds);
    this.rootVolumeSize = props.rootVolumeSize ?? Size.gibibytes(100);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'Resource', {
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: props.containerMetadataAccess ? 2 : 1,
      httpEndpoint: true,
      blockDevices: [
        {
          // Root device of the ECS-optimized Amazon Linux 2023 AMIs (CPU, NVIDIA and Neuron).
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(this.rootVolumeSize.toGibibytes(), {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    if (props.containerMetadataAccess) {
      acknowledgeGuardRule(this.launchTemplate, 'ec2_launch_template_token_hop_limit_check', CONTAINER_METADATA_REASON);
    }
    acknowledgeGuardRule(this.launchTemplate, 'ec2_launch_template_monitoring_enabled_check',
      'Batch instances live for the jobs they run; 1-minute EC2 metrics would be billed per instance while Batch and Container Insights report on jobs.');
  }
}

export const CONTAINER_METADATA_REASON =
  'containerMetadataAccess was turned on: job containers sit one hop behind the host (bridge networking) and need a hop limit of 2 to reach IMDSv2.';
