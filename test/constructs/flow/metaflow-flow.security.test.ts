import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaflowFlow } from '../../../constructs/flow';
import { buildReferenceApp } from '../../../lib/stacks/reference-app';
import { NESTED, flow, step } from '../../lib/compile/helpers';
import { METAFLOW_FIXTURES } from '../../support/fixtures';

/** cdk-nag (AwsSolutions) and the Control Tower guard rules on the reference stack with flows of every kind. */
describe('a stack with flows under cdk-nag and cfn-guard', () => {
  it('synthesizes with no unacknowledged finding', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'flows-nag-'));
    const { app, stack } = buildReferenceApp({ outdir });
    const catching = flow('Catching', [step('start', ['end'], { retry: { times: 1, minutesBetweenRetries: 1 }, catch: { var: 'err' } }), step('end', [])], {
      schedule: { cron: '0 6 * * ? *', timezone: 'Europe/Berlin' },
      triggers: [{ bucket: 'uploads-bucket', prefix: 'incoming/', suffix: '.csv' }],
    });
    // Distributed map, catch, retry, schedule and trigger: every kind of resource and policy a flow makes.
    for (const doc of [NESTED, catching]) {
      new MetaflowFlow(stack, doc.name, { infrastructure: stack.infrastructure, flow: doc, image: 'node:22-slim' });
    }
    // An imported Python flow: code asset, job role grants on the package and the table, no coordination Lambdas.
    new MetaflowFlow(stack, 'Ranking', { infrastructure: stack.infrastructure, pythonFlowFile: join(METAFLOW_FIXTURES, 'nested_foreach_flow', 'flow.py'), image: 'python:3.11' });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; conclusion: string; violations: Array<{ ruleName: string }> }>;
    };
    const violations = report.pluginReports.flatMap((p) => p.violations.map((v) => `${p.pluginName}:${v.ruleName}`));
    expect(violations).toEqual([]);
    expect(report.pluginReports.length).toBeGreaterThan(0);
    expect(report.pluginReports.every((p) => p.conclusion === 'success')).toBe(true);
    expect(error).toBeUndefined();
  });
});
