import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { MetaflowReferenceStack } from '../../lib/stacks/reference-stack';
import { applySecurityChecks } from '../../lib/stacks/security-checks';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string; violatingResources: { locations: string[] }[] }[] }[];
}

/**
 * The reference stack and a zero-props MetaflowInfrastructure on one App of their own with cdk-nag 3 (AwsSolutions)
 * and the Control Tower guard rules registered: one synth runs both plugins over both stacks.
 */
describe('security checks', () => {
  let report: ValidationReport;
  let assembly: CloudAssembly | undefined;
  let error: unknown;
  beforeAll(() => {
    const outdir = mkdtempSync(join(tmpdir(), 'mf-security-'));
    const app = new App({ outdir });
    applySecurityChecks(app);
    new MetaflowReferenceStack(app, 'MetaflowReference');
    new MetaflowInfrastructure(new Stack(app, 'Zero'), 'Metaflow');
    try {
      assembly = app.synth();
    } catch (e) {
      error = e;
    }
    report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  });

  it('ran the guard rules (cdk-nag reports only when it finds something; test/lib/stacks/security-checks.test.ts shows it registered)', () => {
    expect(report.pluginReports.map((p) => p.pluginName)).toContain('cdk-validator-cfnguard');
  });

  it('leaves no unacknowledged finding on the reference stack or a zero-props MetaflowInfrastructure', () => {
    const findings = report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName} at ${v.violatingResources.flatMap((r) => r.locations).join(', ')}`));
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
    expect(assembly!.stacks.map((s) => s.stackName).sort()).toEqual(['MetaflowReference', 'Zero']);
  });
});
