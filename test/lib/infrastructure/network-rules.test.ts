import { vpcEgressProblems } from '../../../lib/infrastructure/network-rules';

describe('vpcEgressProblems', () => {
  const shape = { privateWithEgress: 0, public: 0, isolated: 2, explicitSelection: false };

  it('refuses a VPC whose subnets have no route out', () => {
    const [problem] = vpcEgressProblems('Stack/Metaflow/vpc', shape);
    expect(problem.message).toMatch(/cannot pull images/);
    expect(problem.fix).toMatch(/PRIVATE_WITH_EGRESS.*PRIVATE_ISOLATED/);
  });

  it('accepts NAT or public subnets, or isolated subnets the caller selected (VPC endpoints)', () => {
    expect(vpcEgressProblems('x', { ...shape, privateWithEgress: 2 })).toEqual([]);
    expect(vpcEgressProblems('x', { ...shape, public: 2 })).toEqual([]);
    expect(vpcEgressProblems('x', { ...shape, explicitSelection: true })).toEqual([]);
  });
});
