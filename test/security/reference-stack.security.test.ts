import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { MetaflowReferenceStack } from '../../lib/stacks/reference-stack';

/** Synthesizes on an App with cdk-nag 3 (AwsSolutions) and the Control Tower guard rules, returning the plugin verdicts. */
function synthWithChecks(build: (app: App) => void): { passed: boolean; report: { pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[] } } {
  const outdir = mkdtempSync(join(tmpdir(), 'mf-security-'));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
  build(app);
  let passed = true;
  try {
    app.synth();
  } catch {
    passed = false;
  }
  return { passed, report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) };
}

const findings = (report: ReturnType<typeof synthWithChecks>['report']) =>
  report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName}`));

describe('security checks', () => {
  it('the reference stack passes cdk-nag AwsSolutions and the Control Tower guard rules', () => {
    const { passed, report } = synthWithChecks((app) => new MetaflowReferenceStack(app, 'MetaflowReference'));
    expect(findings(report)).toEqual([]);
    expect(passed).toBe(true);
    expect(report.pluginReports.map((p) => p.pluginName)).toContain('cdk-validator-cfnguard');
  });

  it('a zero-props MetaflowInfrastructure passes them too', () => {
    const { passed, report } = synthWithChecks((app) => new MetaflowInfrastructure(new Stack(app, 'Zero'), 'Metaflow'));
    expect(findings(report)).toEqual([]);
    expect(passed).toBe(true);
  });
});
