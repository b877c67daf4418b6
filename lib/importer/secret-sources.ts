import type { Problem } from '../errors';

const SECRETS_MANAGER = 'aws-secrets-manager';

/**
 * `@secrets(sources=[...])` entries to Secrets Manager secret ids: `"aws-secrets-manager.<id>"`, a bare `"<id>"`
 * (Metaflow's default backend), or `{"type": "aws-secrets-manager", "id": "<id>"}`.
 */
export function readSecretSources(sources: unknown, where: string, problems: Problem[]): string[] {
  if (sources === undefined) return [];
  const field = '@secrets(sources=...)';
  if (!Array.isArray(sources)) {
    problems.push({ where, field, value: sources, message: 'must be a list', fix: 'write sources=["aws-secrets-manager.<secret name or ARN>", ...]' });
    return [];
  }
  const ids: string[] = [];
  for (const source of sources) {
    if (typeof source === 'string') {
      const dot = source.indexOf('.');
      const type = dot > 0 ? source.slice(0, dot) : undefined;
      if (type === SECRETS_MANAGER) ids.push(source.slice(dot + 1));
      else if (type !== undefined && KNOWN_BACKENDS.has(type)) {
        problems.push({ where, field, value: source, message: `secrets backend "${type}" is not supported`, fix: 'store the secret in AWS Secrets Manager and write "aws-secrets-manager.<id>"' });
      } else ids.push(source);
      continue;
    }
    if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
      const spec = source as Record<string, unknown>;
      const extra = Object.keys(spec).filter((k) => k !== 'type' && k !== 'id');
      if ((spec.type === undefined || spec.type === SECRETS_MANAGER) && typeof spec.id === 'string' && extra.length === 0) {
        ids.push(spec.id);
        continue;
      }
      problems.push({
        where, field, value: source,
        message: extra.length > 0 ? `source keys ${extra.join(', ')} cannot be represented` : 'a source needs type "aws-secrets-manager" and a string id',
        fix: 'write the source as "aws-secrets-manager.<secret name or ARN>" (JSON secrets become one variable per key)',
      });
      continue;
    }
    problems.push({ where, field, value: source, message: 'a source must be a string or a dict', fix: 'write "aws-secrets-manager.<secret name or ARN>"' });
  }
  return ids;
}

const KNOWN_BACKENDS = new Set(['gcp-secret-manager', 'az-key-vault', 'inline']);
