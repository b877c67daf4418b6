import type { Problem } from '../../../lib/errors';
import { readSecretSources } from '../../../lib/importer/secret-sources';

const read = (sources: unknown, role?: unknown) => {
  const problems: Problem[] = [];
  return { sources: readSecretSources(sources, 'f.py:3 step "s"', problems, role), problems };
};
const ROLE = 'arn:aws:iam::123456789012:role/team-b-secrets';

describe('readSecretSources', () => {
  test('Secrets Manager ids in Metaflow\'s three spellings', () => {
    expect(read(['aws-secrets-manager.db/creds', 'plain-name', { id: 'x' }, { type: 'aws-secrets-manager', id: 'arn:aws:secretsmanager:eu-west-1:1:secret:y' }])).toEqual({
      sources: [{ id: 'db/creds' }, { id: 'plain-name' }, { id: 'x' }, { id: 'arn:aws:secretsmanager:eu-west-1:1:secret:y' }],
      problems: [],
    });
    expect(read(undefined)).toEqual({ sources: [], problems: [] });
  });

  test('dict sources with options, and role= on the decorator or a source (the source wins, as in Metaflow)', () => {
    const other = 'arn:aws:iam::123456789012:role/other';
    expect(read([
      { id: 'db', options: { env_var_name: 'DB_PASSWORD', json: false } },
      { type: 'aws-secrets-manager', id: 'eu-token', options: { region: 'eu-central-1' } },
      { id: 'x', role: other },
      'aws-secrets-manager.y',
    ], ROLE)).toEqual({
      sources: [
        { id: 'db', role: ROLE },
        { id: 'eu-token', role: ROLE, region: 'eu-central-1' },
        { id: 'x', role: other },
        { id: 'y', role: ROLE },
      ],
      problems: [],
    });
  });

  test("Metaflow's inline sources (values in the flow file) are checked and need nothing from the stack", () => {
    const inline = { type: 'inline', id: '1', options: { env_vars: { secret_1: 'Pizza is a vegetable.', SECRET_2: 'x' } } };
    expect(read([inline, 'inline.empty', 'db'])).toEqual({ sources: [{ id: 'db' }], problems: [] });
    expect(read([{ type: 'inline', id: '1', options: { env_vars: { A: 1 } } }, { type: 'inline', id: '2', options: { env_vars: { '1BAD': 'x' }, json: true } }]).problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      '@secrets(sources=...) options.env_vars: must be a dict of variable name to string value',
      '@secrets(sources=...) options.env_vars: not a valid environment variable name',
      "@secrets(sources=...) options.json: Metaflow's inline provider does not read this option",
    ]);
  });

  test('what Metaflow refuses, other backends and malformed options are problems', () => {
    const { sources, problems } = read(['az-key-vault.k', { id: 3 }, { id: 'x', options: 'json' }, { id: 'x', options: { json: 'no', colour: 1 } }, { id: 'x', options: { env_var_name: '1BAD' } }, { id: 'x', extra: 1 }, 42]);
    expect(sources).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      'secrets backend "az-key-vault" is not supported',
      "'id' must be a non-empty string (Metaflow refuses it too)",
      "'options' must be a dict (Metaflow refuses it too)",
      'must be a boolean',
      'Metaflow\'s Secrets Manager provider does not read this option',
      'not a valid environment variable name',
      'Metaflow does not read source keys extra',
      'a source must be a string or a dict (Metaflow refuses it too)',
    ]);
    expect(read('single').problems[0].message).toBe('must be a list');
    expect(read(['a'], 'team-b').problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['@secrets(role=...): not an IAM role ARN']);
  });
});
