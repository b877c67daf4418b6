import { acceleratorOf, instanceFamily, isInferentia, isTrainium } from '../../../lib/infrastructure/instance-families';

describe('instance families', () => {
  it('reads the family of a type or a class', () => {
    expect(instanceFamily('g5.xlarge')).toBe('g5');
    expect(instanceFamily('P4D')).toBe('p4d');
    expect(instanceFamily('optimal')).toBe('optimal');
  });

  it.each(['g4dn.xlarge', 'g5', 'g6e.2xlarge', 'gr6.4xlarge', 'p3.2xlarge', 'p4d.24xlarge', 'p5.48xlarge'])('classes %s as GPU', (t) => {
    expect(acceleratorOf(t)).toBe('GPU');
  });

  it.each(['inf1.xlarge', 'inf2', 'trn1.32xlarge', 'trn2'])('classes %s as Neuron', (t) => {
    expect(acceleratorOf(t)).toBe('NEURON');
  });

  it.each(['c7i.large', 'm6i', 'r6g.xlarge', 'optimal', 'default_x86_64'])('classes %s as general purpose', (t) => {
    expect(acceleratorOf(t)).toBeUndefined();
  });

  it('tells Inferentia from Trainium', () => {
    expect(isInferentia('inf2.xlarge')).toBe(true);
    expect(isTrainium('inf2.xlarge')).toBe(false);
    expect(isTrainium('trn1')).toBe(true);
  });
});
