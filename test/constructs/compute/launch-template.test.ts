import { Size } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTAINER_METADATA_REASON, SecureLaunchTemplate } from '../../../constructs/compute/launch-template';
import { newStack } from '../support';

describe('SecureLaunchTemplate', () => {
  const metadataOptions = (lt: SecureLaunchTemplate) =>
    Object.values(Template.fromStack(lt.launchTemplate.stack).findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData;
  const acknowledged = (lt: SecureLaunchTemplate) =>
    lt.launchTemplate.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as object));

  it('requires IMDSv2 out of containers\' reach (hop limit 1) and encrypts a gp3 root volume of the given size', () => {
    const lt = new SecureLaunchTemplate(newStack(), 'Lt', { rootVolumeSize: Size.gibibytes(150) });
    expect(lt.rootVolumeSize.toGibibytes()).toBe(150);
    const data = metadataOptions(lt);
    expect(data.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, HttpTokens: 'required' });
    expect(data.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 150, VolumeType: 'gp3' } },
    ]);
    expect(acknowledged(lt).some((id) => id.includes('token_hop_limit'))).toBe(false);
  });

  it('lets containers reach IMDSv2 only when asked, acknowledging the guard rule with its reason', () => {
    const lt = new SecureLaunchTemplate(newStack(), 'Lt', { containerMetadataAccess: true });
    expect(metadataOptions(lt).MetadataOptions.HttpPutResponseHopLimit).toBe(2);
    expect(acknowledged(lt)).toContainEqual(expect.stringContaining('ec2_launch_template_token_hop_limit_check'));
    expect(CONTAINER_METADATA_REASON).toContain('containerMetadataAccess');
  });

  it('defaults to a 100 GiB root volume', () => {
    expect(new SecureLaunchTemplate(newStack(), 'Lt').rootVolumeSize.toGibibytes()).toBe(100);
  });
});
