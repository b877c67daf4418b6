import type { Problem } from '../../../lib/errors';
import { readSecretSources } from '../../../lib/importer/secret-sources';

const read = (sources: unknown) => {
  const problems: Problem[] = [];
  return { ids: readSecretSources(sources, 'f.py:3 step "s"', problems), problems };
};

describe('readSecretSources', () => {
  test('Secrets Manager ids in Metaflow\'s three spellings', () => {
    expect(read(['aws-secrets-manager.db/creds', 'plain-name', { id: 'x' }, { type: 'aws-secrets-manager', id: 'arn:aws:secretsmanager:eu-west-1:1:secret:y' }])).toEqual({
      ids: ['db/creds', 'plain-name', 'x', 'arn:aws:secretsmanager:eu-west-1:1:secret:y'],
      problems: [],
    });
    expect(read(undefined)).toEqual({ ids: [], problems: [] });
  });

  test('other backends, options and malformed sources are problems', () => {
    const { ids, problems } = read(['az-key-vault.k', { id: 'x', options: { json: false } }, 42]);
    expect(ids).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      'secrets backend "az-key-vault" is not supported',
      'source keys options cannot be represented',
      'a source must be a string or a dict',
    ]);
    expect(read('single').problems[0].message).toBe('must be a list');
  });
});
