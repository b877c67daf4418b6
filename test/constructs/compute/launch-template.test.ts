import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureLaunchTemplate } from '../../../constructs/compute/launch-template';
import { newStack } from '../support';

describe('SecureLaunchTemplate', () => {
  it('requires IMDSv2 with hop limit 2 and encrypts a gp3 root volume of the given size', () => {
    const stack = newStack();
    const lt = new SecureLaunchTemplate(stack, 'Lt', { rootVolumeSize: Size.gibibytes(150) });
    expect(lt.rootVolumeSize.toGibibytes()).toBe(150);
    const data = Object.values(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData;
    expect(data.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2, HttpTokens: 'required' });
    expect(data.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 150, VolumeType: 'gp3' } },
    ]);
  });

  it('defaults to a 100 GiB root volume', () => {
    expect(new SecureLaunchTemplate(newStack(), 'Lt').rootVolumeSize.toGibibytes()).toBe(100);
  });
});
