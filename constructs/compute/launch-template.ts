import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from '../security/acknowledgements';

export interface SecureLaunchTemplateProps {
  /**
   * Size of the encrypted gp3 root volume (holds images, the Docker layer cache and job scratch space).
   * @default Size.gibibytes(100)
   */
  readonly rootVolumeSize?: Size;
}

/**
 * Launch template for Batch EC2 instances: IMDSv2 required with a hop limit of 2 (containers reach the instance
 * metadata through the Docker bridge, one hop more than the host), and an encrypted root volume.
 */
export class SecureLaunchTemplate extends Construct {
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly rootVolumeSize: Size;

  constructor(scope: Construct, id: string, props: SecureLaunchTemplateProps = {}) {
    super(scope, id);
    this.rootVolumeSize = props.rootVolumeSize ?? Size.gibibytes(100);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'Resource', {
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 2,
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
    acknowledgeGuardRule(this.launchTemplate, 'ec2_launch_template_token_hop_limit_check',
      'Containers on Batch EC2 hosts use bridge networking, one hop more than the host, so reaching IMDSv2 (region, instance identity) needs a hop limit of 2.');
    acknowledgeGuardRule(this.launchTemplate, 'ec2_launch_template_monitoring_enabled_check',
      'Batch instances live for the jobs they run; 1-minute EC2 metrics would be billed per instance while Batch and Container Insights report on jobs.');
  }
}
