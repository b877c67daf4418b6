import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CfnResource, type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, type PolicyViolation, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { WILDCARD_GRANT_METADATA, type WildcardGrantRecord } from '../../constructs/security/acknowledgements';
import { type PolicyStatementJson, undeclaredWildcardGrants } from '../infrastructure/wildcard-grants';

/** File written next to the templates at synth: every acknowledgement of the app with its reason. */
export const ACKNOWLEDGEMENTS_FILE = 'acknowledgements.json';

export interface AcknowledgementEntry {
  /** Rule or finding id (`AwsSolutions-IAM5[Resource::*]`, `cdk-validator-cfnguard::…`). */
  readonly id: string;
  /** Construct path the acknowledgement was made on; it covers that construct and everything below it. */
  readonly path: string;
  readonly reason: string;
}

/**
 * The `metaflow-cdk` validation plugin:
 * - fails synth when a policy grants, on a wildcard resource whose `AwsSolutions-IAM5` finding metaflow-cdk
 *   acknowledged, an action the acknowledgement did not declare (so a new `iam:PassRole` on `*` is not hidden);
 * - lists every acknowledgement of the app (cdk-nag's, the guard rules', CloudFormation's) with its reason, in this
 *   plugin's entry of `validation-report.json` and in `acknowledgements.json` beside the templates.
 */
export class AcknowledgementCheck implements IPolicyValidationPlugin {
  readonly name = 'metaflow-cdk';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = context.appConstruct;
    const violations = wildcardViolations(root);
    const entries = collectAcknowledgements(root);
    if (context.templatePaths.length > 0) {
      writeFileSync(join(dirname(context.templatePaths[0]), ACKNOWLEDGEMENTS_FILE), `${JSON.stringify(entries, null, 2)}\n`);
    }
    const metadata: Record<string, string> = {};
    for (const e of entries) metadata[`${e.id} @ ${e.path}`] = e.reason;
    return { success: violations.length === 0, violations, metadata };
  }
}

function* walk(root: IConstruct): Generator<IConstruct> {
  yield root;
  for (const child of root.node.children) yield* walk(child);
}

export function collectAcknowledgements(root: IConstruct): AcknowledgementEntry[] {
  const entries: AcknowledgementEntry[] = [];
  for (const c of walk(root)) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !m.data) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        entries.push({ id: id.replace(/^annotation::/i, ''), path: c.node.path, reason });
      }
    }
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path) || a.id.localeCompare(b.id));
}

/** Declared actions per finding, from `scope` up to the root (where cdk-nag looks for acknowledgements too). */
function declaredFor(scope: IConstruct): Map<string, string[]> {
  const declared = new Map<string, string[]>();
  for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
    for (const m of c.node.metadata) {
      if (m.type !== WILDCARD_GRANT_METADATA) continue;
      const record = m.data as WildcardGrantRecord;
      declared.set(record.finding, [...(declared.get(record.finding) ?? []), ...record.actions]);
    }
  }
  return declared;
}

function statementsOf(node: CfnResource): PolicyStatementJson[] {
  const stack = Stack.of(node);
  const documents: unknown[] = [];
  if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) documents.push(node.policyDocument);
  if (node instanceof iam.CfnRole || node instanceof iam.CfnUser || node instanceof iam.CfnGroup) {
    for (const p of (stack.resolve(node.policies) as { policyDocument: unknown }[] | undefined) ?? []) documents.push(p.policyDocument);
  }
  return documents.flatMap((d) => ((stack.resolve(d) as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ?? []));
}

function wildcardViolations(root: IConstruct): PolicyViolation[] {
  const byRule = new Map<string, PolicyViolation>();
  for (const c of walk(root)) {
    if (!CfnResource.isCfnResource(c)) continue;
    const statements = statementsOf(c);
    if (statements.length === 0) continue;
    for (const grant of undeclaredWildcardGrants(statements, declaredFor(c))) {
      const ruleName = `MetaflowCdk-UndeclaredWildcardGrant[${grant.finding}][Action::${grant.action}]`;
      const violation = byRule.get(ruleName) ?? {
        ruleName,
        description: `${grant.action} is granted on a wildcard resource whose acknowledgement covers only ${grant.declared.join(', ')}`,
        fix: `grant ${grant.action} on the specific resources it needs, or, if the wildcard is unavoidable, acknowledge it with acknowledgeWildcardResource(scope, arn, [..., '${grant.action}'], reason)`,
        severity: 'error',
        violatingResources: [],
      };
      (violation.violatingResources as unknown[]).push({ constructPath: c.node.path, locations: ['Properties'] });
      byRule.set(ruleName, violation);
    }
  }
  return [...byRule.values()];
}
