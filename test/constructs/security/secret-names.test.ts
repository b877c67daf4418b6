import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { secretsByName } from '../../../constructs/security/secret-names';
import { newStack } from '../support';

describe('secretsByName', () => {
  it('resolves a name to the secret of that name, not to another secret whose construct id it is', () => {
    const stack = newStack();
    const byId = secretsmanager.Secret.fromSecretNameV2(stack, 'db', 'prod/a');
    const named = secretsmanager.Secret.fromSecretNameV2(stack, 'B', 'db');
    const byName = secretsByName([byId, named]);
    expect(byName.get('db')).toBe(named);
    expect(byName.get('prod/a')).toBe(byId);
  });

  it('still finds a secret by its construct id when no secret has that name', () => {
    const stack = newStack();
    const created = new secretsmanager.Secret(stack, 'ApiToken');
    expect(secretsByName([created]).get('ApiToken')).toBe(created);
  });
});
