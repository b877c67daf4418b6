import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowNetwork } from '../../constructs/infrastructure/network';
import { MetaflowMetadataService } from '../../constructs/metadata-service/metadata-service';
import { MetaflowReferenceStack } from '../../lib/stacks/reference-stack';
import { applySecurityChecks } from '../../lib/stacks/security-checks';

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; violatingResources: { locations: string[] }[] }[] }[];
}

/**
 * The reference stack with the metadata service on (private endpoint, the default), and a service of its own on an
 * existing VPC with the public API Gateway endpoint: cdk-nag (AwsSolutions) and the Control Tower guard rules find
 * nothing unacknowledged in either.
 */
describe('security checks with the metadata service', () => {
  let report: ValidationReport;
  let error: unknown;
  beforeAll(() => {
    const outdir = mkdtempSync(join(tmpdir(), 'mf-mdsvc-security-'));
    const app = new App({ outdir });
    applySecurityChecks(app);
    new MetaflowReferenceStack(app, 'MetaflowReferenceService', { metadataService: { operatorCidrs: ['10.100.0.0/16'] } });
    const standalone = new Stack(app, 'StandaloneService');
    const { vpc } = new MetaflowNetwork(standalone, 'Network');
    new MetaflowMetadataService(standalone, 'Metadata', { vpc, apiGateway: { allowedSourceCidrs: ['203.0.113.0/24'] } });
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  });

  it('leaves no unacknowledged finding', () => {
    const findings = report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}: ${v.ruleName} at ${JSON.stringify(v.violatingResources)}`));
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
  });
});
