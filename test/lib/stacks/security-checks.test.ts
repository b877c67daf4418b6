import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { applySecurityChecks } from '../../../lib/stacks/security-checks';

describe('applySecurityChecks', () => {
  it('makes synth fail on nag and guard findings of an insecure stack', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
    const app = new App({ outdir });
    applySecurityChecks(app);
    new s3.Bucket(new Stack(app, 'Insecure'), 'Bucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const plugins = report.pluginReports.map((p: { pluginName: string; conclusion: string }) => `${p.pluginName}:${p.conclusion}`);
    expect(plugins.sort()).toEqual(['AwsSolutions:failure', 'cdk-validator-cfnguard:failure']);
    const rules = report.pluginReports.flatMap((p: { violations: { ruleName: string }[] }) => p.violations.map((v) => v.ruleName));
    expect(rules).toContain('AwsSolutions-S10');
  });
});
