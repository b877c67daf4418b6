import * as http from 'http';
import type { AddressInfo } from 'net';
import { LOCAL_PSEUDO } from '../template/tokens';

/** Secret values by name (or ARN), as `--secrets-file` gives them: a string is the SecretString, anything else its JSON. */
export type LocalSecretValues = Readonly<Record<string, unknown>>;

/**
 * A loopback endpoint that answers Secrets Manager's `GetSecretValue` (JSON 1.1 protocol) from values the user gave,
 * and every other AWS call a task makes to it with an error that says the service is not available locally, so a
 * task never reaches real AWS and fails in a moment instead of retrying.
 */
export interface LocalAwsFallback {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The user's key for a secret id: the id itself, or, for an ARN, the secret's name (without Secrets Manager's 6-character suffix). */
export function secretKeyFor(secretId: string, values: LocalSecretValues): string | undefined {
  if (Object.prototype.hasOwnProperty.call(values, secretId)) return secretId;
  const arn = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(secretId);
  if (!arn) return undefined;
  const name = arn[1];
  if (Object.prototype.hasOwnProperty.call(values, name)) return name;
  const withoutSuffix = name.replace(/-[A-Za-z0-9]{6}$/, '');
  return Object.prototype.hasOwnProperty.call(values, withoutSuffix) ? withoutSuffix : undefined;
}

export async function startLocalAwsFallback(values: LocalSecretValues = {}): Promise<LocalAwsFallback> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        let secretId = '';
        try {
          secretId = String((JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: unknown }).SecretId ?? '');
        } catch {
          return reply(400, { __type: 'InvalidRequestException', Message: 'the request body is not JSON' });
        }
        const key = secretKeyFor(secretId, values);
        if (key === undefined) {
          return reply(400, {
            __type: 'ResourceNotFoundException',
            Message: `Secrets Manager can't find the specified secret: metaflow-cdk run --local has no value for ${JSON.stringify(secretId)}; add it to --secrets-file`,
          });
        }
        const value = values[key];
        const name = key.startsWith('arn:') ? key.split(':secret:')[1] : key;
        return reply(200, {
          ARN: key.startsWith('arn:') ? key : `arn:${LOCAL_PSEUDO.partition}:secretsmanager:${LOCAL_PSEUDO.region}:${LOCAL_PSEUDO.accountId}:secret:${name}-local0`,
          Name: name,
          SecretString: typeof value === 'string' ? value : JSON.stringify(value),
          VersionId: 'local',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        });
      }
      const what = target || `${request.method ?? 'GET'} ${request.url ?? '/'}`;
      reply(400, {
        __type: 'UnrecognizedClientException',
        message: `metaflow-cdk run --local: ${what} is not available locally (tasks reach only the local S3, DynamoDB and Secrets Manager GetSecretValue)`,
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The value Batch would inject for a job definition's secret (`ValueFrom`: a name, an ARN, or an ARN with
 * `:<json key>:<version stage>:<version id>`), from the user's values; undefined when they hold no such secret.
 */
export function injectedSecretValue(valueFrom: string, values: LocalSecretValues): string | undefined {
  const withKey = /^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:[^:]+):([^:]*):[^:]*:[^:]*$/.exec(valueFrom);
  const key = secretKeyFor(withKey ? withKey[1] : valueFrom, values);
  if (key === undefined) return undefined;
  const value = values[key];
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const jsonKey = withKey?.[2];
  if (!jsonKey) return text;
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : value;
  } catch {
    return undefined;
  }
  const field = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[jsonKey] : undefined;
  if (field === undefined) return undefined;
  return typeof field === 'string' ? field : JSON.stringify(field);
}
