import { type App, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AcknowledgementCheck } from './acknowledgement-check';

/** For acknowledging findings of your own constructs in apps these checks run on. */
export { acknowledgeGuardRule, acknowledgeWildcardAction, acknowledgeWildcardResource } from '../../constructs/security/acknowledgements';

/**
 * Registers the policy validation plugins every app of this project synthesizes with: cdk-nag 3 AwsSolutions checks,
 * the AWS Control Tower proactive controls (cfn-guard) and metaflow-cdk's own check (wildcard grants stay within what
 * their acknowledgement declares; every acknowledgement listed with its reason in `<outdir>/acknowledgements.json`
 * and in the report). Any unacknowledged finding, warnings included, makes `app.synth()` (and `cdk synth`) fail, with
 * the report in `<outdir>/validation-report.json`.
 * Acknowledge a finding on the construct it concerns: `Validations.of(construct).acknowledge({ id, reason })`.
 */
export function applySecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator(), new AcknowledgementCheck());
}
