/**
 * aws-cdk-lib validates every synthesized template against CloudFormation's resource schemas ("CloudFormation
 * Validate"). Loading those schemas costs about 12 s of CPU in each fresh module registry, and jest gives every test
 * file one, so left on everywhere it would be most of the suite's time. Unit tests assert the template directly and
 * synthesize with it off (`CDK_VALIDATION=false`, aws-cdk-lib's own switch); the whole-stack tiers listed here keep it
 * on, so every template the product ships is still validated by CloudFormation's rules.
 */
const VALIDATED_TIERS = ['/test/security/', '/test/lib/stacks/', '/test/bin/', '/test/package/', '/test/docs/'];

const testPath = expect.getState().testPath ?? '';
if (VALIDATED_TIERS.some((tier) => testPath.includes(tier))) delete process.env.CDK_VALIDATION;
else process.env.CDK_VALIDATION = 'false';
