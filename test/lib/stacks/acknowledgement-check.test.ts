import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MetaflowFlow } from '../../../constructs/flow';
import { MetaflowInfrastructure } from '../../../constructs/infrastructure/metaflow-infrastructure';
import { ACKNOWLEDGEMENTS_FILE, AcknowledgementCheck, type AcknowledgementEntry } from '../../../lib/stacks/acknowledgement-check';
import { NESTED, flow, step } from '../../lib/compile/helpers';

/** Every role a zero-props infrastructure and two flows (one with an injected secret, one with a Distributed Map) make. */
function appWithRoles() {
  const app = new App();
  const stack = new Stack(app, 'Roles', { env: { account: '123456789012', region: 'eu-west-1' } });
  const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow', { secrets: [new secretsmanager.Secret(stack, 'Token')] });
  const withSecret = flow('Secretive', [step('start', ['end'], { secrets: ['Token'] }), step('end', [])]);
  const flows = [NESTED, withSecret].map((doc) => new MetaflowFlow(stack, doc.name, { infrastructure, flow: doc, image: 'node:22-slim' }));
  return { app, stack, infrastructure, flows };
}

function rolesOf(scope: IConstruct): iam.Role[] {
  return scope.node.findAll().filter((c): c is iam.Role => c instanceof iam.Role);
}

describe('AcknowledgementCheck', () => {
  it('with nothing added, finds no undeclared wildcard grant', () => {
    const { app } = appWithRoles();
    expect(new AcknowledgementCheck().validate({ appConstruct: app, templatePaths: [], stackTemplates: [] }).violations).toEqual([]);
  });

  it.each([
    ['iam:PassRole'],
    ['secretsmanager:GetSecretValue'],
  ])('makes %s on "*" fail synth on every role, whether or not "*" was acknowledged there', (action) => {
    const { app } = appWithRoles();
    const roles = rolesOf(app);
    expect(roles.length).toBeGreaterThanOrEqual(10);
    for (const role of roles) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: ['*'] }));
    // cdk-nag reports a wildcard nobody acknowledged; metaflow-cdk's check one acknowledged for other actions.
    const nag = new AwsSolutionsChecks().validateScope(app).violations.filter((v) => v.ruleName === 'AwsSolutions-IAM5[Resource::*]');
    const ours = new AcknowledgementCheck().validate({ appConstruct: app, templatePaths: [], stackTemplates: [] }).violations;
    expect(ours.every((v) => v.ruleName === `MetaflowCdk-UndeclaredWildcardGrant[AwsSolutions-IAM5[Resource::*]][Action::${action}]`)).toBe(true);
    const flagged = [...nag, ...ours].flatMap((v) => v.violatingResources.map((r) => r.constructPath ?? ''));
    for (const role of roles) {
      expect(flagged.some((path) => path.startsWith(`${role.node.path}/`))).toBe(true);
    }
    // The roles whose "*" is acknowledged (for actions without resource-level permissions) are caught by our check.
    expect(ours.length).toBeGreaterThan(0);
  });

  it('fails app.synth() and lists every acknowledgement with its reason beside the templates', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ack-'));
    const app = new App({ outdir });
    Validations.of(app).addPlugins(new AcknowledgementCheck());
    const stack = new Stack(app, 'One', { env: { account: '123456789012', region: 'eu-west-1' } });
    const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow');
    app.synth();
    const entries = JSON.parse(readFileSync(join(outdir, ACKNOWLEDGEMENTS_FILE), 'utf8')) as AcknowledgementEntry[];
    expect(entries).toContainEqual({
      id: 'AwsSolutions-IAM5[Resource::*]',
      path: 'One/Metaflow/ExecutionRole',
      reason: expect.stringContaining('[actions: ecr:GetAuthorizationToken]'),
    });
    expect(entries.some((e) => e.id.startsWith('cdk-validator-cfnguard::'))).toBe(true);

    const outdir2 = mkdtempSync(join(tmpdir(), 'ack-'));
    const app2 = new App({ outdir: outdir2 });
    Validations.of(app2).addPlugins(new AcknowledgementCheck());
    const stack2 = new Stack(app2, 'Two', { env: { account: '123456789012', region: 'eu-west-1' } });
    const infra2 = new MetaflowInfrastructure(stack2, 'Metaflow');
    infra2.executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['*'] }));
    expect(() => app2.synth()).toThrow(/MetaflowCdk-UndeclaredWildcardGrant\[AwsSolutions-IAM5\[Resource::\*\]\]\[Action::iam:PassRole\]/);
    // A failed report carries the acknowledgements too, next to the finding.
    const report = JSON.parse(readFileSync(join(outdir2, 'validation-report.json'), 'utf8'));
    const ours = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === 'metaflow-cdk');
    expect(Object.keys(ours.metadata)).toContain('AwsSolutions-IAM5[Resource::*] @ Two/Metaflow/ExecutionRole');
    expect(infrastructure).toBeDefined();
  });
});
