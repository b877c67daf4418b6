import { Token } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The names a step may use for a secret of the infrastructure: its literal name (a `new Secret` with `secretName`, whose
 * `secretName` attribute is a token until deploy), its name or ARN when they are literal, and its construct id.
 */
export function secretNamesOf(secret: secretsmanager.ISecret): string[] {
  const names = new Set<string>();
  const literal = (value: unknown) => {
    if (typeof value === 'string' && value !== '' && !Token.isUnresolved(value)) names.add(value);
  };
  const cfn = secret.node.defaultChild as { name?: unknown } | undefined;
  literal(cfn?.name);
  literal(secret.secretName);
  literal(secret.secretArn);
  literal(secret.secretFullArn);
  names.add(secret.node.id);
  return [...names];
}

/**
 * Secret by every name a step may use for it, and the ARN CloudFormation gives it. A secret's real name wins over
 * another secret's construct id: `Secret.fromSecretNameV2(scope, 'db', 'prod/a')` must not capture a step's `db`
 * when a secret named `db` is listed too.
 */
export function secretsByName(secrets: readonly secretsmanager.ISecret[]): Map<string, secretsmanager.ISecret> {
  const byName = new Map<string, secretsmanager.ISecret>();
  for (const secret of secrets) {
    for (const name of secretNamesOf(secret)) if (name !== secret.node.id && !byName.has(name)) byName.set(name, secret);
    byName.set(secret.secretArn, secret);
  }
  for (const secret of secrets) if (!byName.has(secret.node.id)) byName.set(secret.node.id, secret);
  return byName;
}
