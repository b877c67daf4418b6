import { flattenCfnReference, wildcardResourceFinding } from './nag-findings';

/** One Allow statement of an IAM policy, resolved (CloudFormation intrinsics left as objects). */
export interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: unknown;
}

/** An action outside what the acknowledgement of its wildcard resource declared. */
export interface UndeclaredWildcardGrant {
  readonly finding: string;
  readonly action: string;
  readonly declared: readonly string[];
}

function list<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** `s3:GetObject*` matches `s3:GetObjectVersion`; otherwise exact (IAM actions are case-insensitive). */
export function actionMatches(declared: string, action: string): boolean {
  const d = declared.toLowerCase();
  const a = action.toLowerCase();
  return d.endsWith('*') ? a.startsWith(d.slice(0, -1)) : d === a;
}

/**
 * The actions of `statements` on wildcard resources that no declaration covers. `declared` maps a cdk-nag finding id
 * (`AwsSolutions-IAM5[Resource::…]`) to the actions acknowledged for it; findings without declarations are not judged
 * here (cdk-nag reports them unless someone else acknowledged them).
 */
export function undeclaredWildcardGrants(statements: readonly PolicyStatementJson[], declared: ReadonlyMap<string, readonly string[]>): UndeclaredWildcardGrant[] {
  const found: UndeclaredWildcardGrant[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const resource of list(statement.Resource)) {
      const flattened = flattenCfnReference(resource);
      if (!flattened.includes('*')) continue;
      const finding = wildcardResourceFinding(flattened);
      const actions = declared.get(finding);
      if (actions === undefined) continue;
      for (const action of list(statement.Action)) {
        if (!actions.some((d) => actionMatches(d, action))) found.push({ finding, action, declared: actions });
      }
    }
  }
  return found;
}
