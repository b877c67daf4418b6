import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Lets `grantee` read the given secrets (GetSecretValue, DescribeSecret) and decrypt them with their KMS keys, only
 * through Secrets Manager. Metaflow's `@secrets` calls GetSecretValue from inside the task; ECS-native `secrets` use
 * the execution role.
 */
export function grantSecretsRead(grantee: iam.IGrantable, secrets: readonly secretsmanager.ISecret[]): iam.Grant[] {
  return secrets.map((secret) => {
    const grant = secret.grantRead(grantee);
    if (!secret.encryptionKey) return grant;
    // ISecret.grantRead grants the key through its key policy, which an imported key cannot take.
    const decrypt = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [secret.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
    });
    return grant.combine(decrypt);
  });
}
