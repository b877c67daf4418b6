import type { Problem } from '../errors';
import type { SecretAccess } from '../graph/model';

const SECRETS_MANAGER = 'aws-secrets-manager';
/** Metaflow's `inline` provider: the values are in the flow file itself (`options.env_vars`), nothing to reach. */
const INLINE = 'inline';
const KNOWN_BACKENDS = new Set(['gcp-secret-manager', 'az-key-vault']);
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Options Metaflow's Secrets Manager provider reads (`aws_secrets_manager_secrets_provider.py`). */
const OPTION_KINDS: Readonly<Record<string, 'string' | 'boolean'>> = { env_var_name: 'string', json: 'boolean', region: 'string' };

/** One `@secrets` source as the stack needs it: the secret id, and how the task reaches it. */
export interface SecretSource extends SecretAccess {
  readonly id: string;
}

/**
 * `@secrets(sources=[...], role=...)` to Secrets Manager sources, in every form Metaflow accepts:
 * `"aws-secrets-manager.<id>"`, a bare `"<id>"` (Metaflow's default backend), or
 * `{"type": "aws-secrets-manager", "id": "<id>", "options": {"env_var_name", "json", "region"}, "role": "<arn>"}`.
 * A source's `role` wins over the decorator's `role`, as in Metaflow. `options` shape only the variables Metaflow sets
 * inside the task, except `region`, which decides the secret's ARN. Metaflow's `inline` sources (values written in
 * the flow, for tests) are checked and need nothing from the stack, so they return no source.
 */
export function readSecretSources(sources: unknown, where: string, problems: Problem[], decoratorRole?: unknown): SecretSource[] {
  const field = '@secrets(sources=...)';
  const role = readRole(decoratorRole, where, '@secrets(role=...)', problems);
  if (sources === undefined) return [];
  if (!Array.isArray(sources)) {
    problems.push({ where, field, value: sources, message: 'must be a list', fix: 'write sources=["aws-secrets-manager.<secret name or ARN>", ...]' });
    return [];
  }
  const found: SecretSource[] = [];
  const withRole = (id: string, r: string | undefined, region?: string): SecretSource => ({ id, ...(r !== undefined ? { role: r } : {}), ...(region !== undefined ? { region } : {}) });
  for (const source of sources) {
    if (typeof source === 'string') {
      const dot = source.indexOf('.');
      const type = dot > 0 ? source.slice(0, dot) : undefined;
      if (type === SECRETS_MANAGER) found.push(withRole(source.slice(dot + 1), role));
      else if (type === INLINE) continue;
      else if (type !== undefined && KNOWN_BACKENDS.has(type)) {
        problems.push({ where, field, value: source, message: `secrets backend "${type}" is not supported`, fix: 'store the secret in AWS Secrets Manager and write "aws-secrets-manager.<id>"' });
      } else found.push(withRole(source, role));
      continue;
    }
    if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
      const spec = source as Record<string, unknown>;
      const before = problems.length;
      const extra = Object.keys(spec).filter((k) => !['type', 'id', 'options', 'role'].includes(k));
      if (extra.length > 0) {
        problems.push({ where, field, value: source, message: `Metaflow does not read source keys ${extra.join(', ')}`, fix: 'a dict source has type, id, options and role only' });
      }
      if (spec.type === INLINE) {
        readInlineOptions(spec.options, where, `${field} options`, problems);
        continue;
      }
      if (spec.type !== undefined && spec.type !== SECRETS_MANAGER) {
        problems.push({ where, field: `${field} type`, value: spec.type, message: typeof spec.type === 'string' ? `secrets backend "${spec.type}" is not supported` : "'type' must be a string (Metaflow refuses it too)", fix: 'use type "aws-secrets-manager" or leave type out' });
      }
      if (typeof spec.id !== 'string' || spec.id === '') {
        problems.push({ where, field: `${field} id`, value: spec.id, message: "'id' must be a non-empty string (Metaflow refuses it too)", fix: 'give the secret name or ARN as id' });
      }
      const region = readOptions(spec.options, where, `${field} options`, problems);
      const sourceRole = readRole(spec.role, where, `${field} role`, problems);
      if (problems.length === before) found.push(withRole(spec.id as string, sourceRole ?? role, region));
      continue;
    }
    problems.push({ where, field, value: source, message: 'a source must be a string or a dict (Metaflow refuses it too)', fix: 'write "aws-secrets-manager.<secret name or ARN>"' });
  }
  return found;
}

function readRole(value: unknown, where: string, field: string, problems: Problem[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && ROLE_ARN.test(value)) return value;
  problems.push({ where, field, value, message: 'not an IAM role ARN', fix: 'give the ARN of the role that may read the secret, e.g. "arn:aws:iam::123456789012:role/team-b-secrets"' });
  return undefined;
}

/** `options` of an `inline` source: `env_vars`, a dict of variable name to string value, set in the task as given. */
function readInlineOptions(value: unknown, where: string, field: string, problems: Problem[]): void {
  const fix = 'e.g. options={"env_vars": {"DB_PASSWORD": "test-only"}}';
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ where, field, value, message: "'options' must be a dict (Metaflow refuses it too)", fix });
    return;
  }
  for (const [key, option] of Object.entries(value as Record<string, unknown>)) {
    if (key !== 'env_vars') {
      problems.push({ where, field: `${field}.${key}`, value: option, message: "Metaflow's inline provider does not read this option", fix });
    } else if (typeof option !== 'object' || option === null || Array.isArray(option) || Object.values(option).some((v) => typeof v !== 'string')) {
      problems.push({ where, field: `${field}.env_vars`, value: option, message: 'must be a dict of variable name to string value', fix });
    } else {
      for (const name of Object.keys(option)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push({ where, field: `${field}.env_vars`, value: name, message: 'not a valid environment variable name', fix: 'use letters, digits and "_", not starting with a digit' });
      }
    }
  }
}

/** Checks `options`; returns its `region`, which places the secret's ARN. */
function readOptions(value: unknown, where: string, field: string, problems: Problem[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ where, field, value, message: "'options' must be a dict (Metaflow refuses it too)", fix: 'e.g. options={"env_var_name": "DB_PASSWORD", "json": False}' });
    return undefined;
  }
  const options = value as Record<string, unknown>;
  for (const [key, option] of Object.entries(options)) {
    const kind = OPTION_KINDS[key];
    if (kind === undefined) {
      problems.push({ where, field: `${field}.${key}`, value: option, message: 'Metaflow\'s Secrets Manager provider does not read this option', fix: `use ${Object.keys(OPTION_KINDS).join(', ')}` });
    } else if (typeof option !== kind) {
      problems.push({ where, field: `${field}.${key}`, value: option, message: `must be a ${kind}`, fix: key === 'json' ? 'write True or False' : `write a string` });
    }
  }
  if (typeof options.env_var_name === 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.env_var_name)) {
    problems.push({ where, field: `${field}.env_var_name`, value: options.env_var_name, message: 'not a valid environment variable name', fix: 'use letters, digits and "_", not starting with a digit' });
  }
  if (typeof options.region === 'string' && !REGION.test(options.region)) {
    problems.push({ where, field: `${field}.region`, value: options.region, message: 'not an AWS region', fix: 'e.g. "eu-west-1"' });
    return undefined;
  }
  return typeof options.region === 'string' ? options.region : undefined;
}
