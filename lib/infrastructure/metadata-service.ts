import type { Problem } from '../errors';
import { isToken, problem } from './problems';

/**
 * What the Metaflow metadata service needs to run, as plain data: its image, commands, port and environment
 * (`services/utils/__init__.py` `DBConfiguration`, `run_goose.py` of Netflix/metaflow-service), and the rules its
 * settings must follow. The construct (`constructs/metadata-service`) wires these into ECS, RDS and the endpoint.
 */

/** Metaflow's published image; the same one Metaflow's own tests and deployment templates run. */
export const DEFAULT_METADATA_SERVICE_IMAGE = 'netflixoss/metaflow_metadata_service:v2.5.0';
/** Port of the metadata API inside the container (`MF_METADATA_PORT`). */
export const METADATA_SERVICE_PORT = 8080;
/** Port the internal load balancer listens on, so the URL needs none. */
export const METADATA_ENDPOINT_PORT = 80;
export const METADATA_DATABASE_NAME = 'metaflow';
export const METADATA_DATABASE_USER = 'metaflow';

/**
 * The API alone. The image's default command also starts the migration service on 8082, whose `/upgrade` would let
 * any caller migrate the schema; migrations run as a one-shot task at deploy instead.
 */
export const METADATA_SERVICE_COMMAND: readonly string[] = ['/opt/latest/bin/python3', '-m', 'services.metadata_service.server'];

/** Applies every pending goose migration and exits non-zero when one fails; waits for the database up to 5 minutes. */
export const METADATA_MIGRATION_COMMAND: readonly string[] = ['/opt/latest/bin/python3', '/root/run_goose.py', '--wait', '300'];

/** Where the database is; user and password come from Secrets Manager as ECS secrets, never as plain environment. */
export interface MetadataDatabaseEndpoint {
  readonly host: string;
  readonly port: string;
  readonly name: string;
}

/** `MF_METADATA_DB_USER` and `MF_METADATA_DB_PSWD`, as fields of the credentials secret. */
export const METADATA_DATABASE_SECRET_FIELDS = { MF_METADATA_DB_USER: 'username', MF_METADATA_DB_PSWD: 'password' } as const;

/**
 * The container environment of the service and of its migration task. TLS to the database is required; the pool
 * keeps no idle connection beyond need (`POOL_MIN` 0), so an idle Aurora Serverless v2 database can pause.
 */
export function metadataServiceEnvironment(database: MetadataDatabaseEndpoint): Record<string, string> {
  return {
    MF_METADATA_DB_HOST: database.host,
    MF_METADATA_DB_PORT: database.port,
    MF_METADATA_DB_NAME: database.name,
    MF_METADATA_DB_SSL_MODE: 'require',
    MF_METADATA_DB_POOL_MIN: '0',
    MF_METADATA_PORT: String(METADATA_SERVICE_PORT),
    MF_METADATA_HOST: '0.0.0.0',
  };
}

/** `http://<load balancer DNS name>/`: the URL jobs and operators inside the network use. */
export function internalServiceUrl(loadBalancerDnsName: string): string {
  return `http://${loadBalancerDnsName}/`;
}

/** The JSON Metaflow reads from `METAFLOW_SERVICE_HEADERS`; the API key is generated under this key. */
export const API_KEY_HEADER = 'x-api-key';

/** Refuses `latest` and untagged references: a deploy must not change the service (and its schema) by itself. */
export function imageProblems(where: string, image: string): Problem[] {
  if (isToken(image) || image.includes('@sha256:')) return [];
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  if (tag !== undefined && tag !== '' && tag !== 'latest') return [];
  return [problem(
    where,
    'image',
    image,
    tag === 'latest' ? 'the tag "latest" changes under the service, and a new version may need a schema the database does not have' : 'an image without a tag is "latest"',
    `pin a version tag or digest, e.g. "${DEFAULT_METADATA_SERVICE_IMAGE}"`,
  )];
}

export interface ScalingSettings {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
}

/** Task counts, and Aurora Serverless v2 capacity in ACUs (0 to 256 in steps of 0.5; 0 pauses when idle). */
export function scalingProblems(where: string, s: ScalingSettings): Problem[] {
  const found: Problem[] = [];
  if (!Number.isInteger(s.minTasks) || s.minTasks < 1) {
    found.push(problem(where, 'minTasks', s.minTasks, 'the service needs at least one running task to answer', 'set minTasks to 1 or more'));
  }
  if (!Number.isInteger(s.maxTasks) || s.maxTasks < s.minTasks) {
    found.push(problem(where, 'maxTasks', s.maxTasks, `must be a whole number no smaller than minTasks (${s.minTasks})`, `set maxTasks to ${Math.max(1, s.minTasks)} or more`));
  }
  const acu = (field: string, value: number | undefined, least: number) => {
    if (value === undefined) return;
    if (value < least || value > 256 || Math.round(value * 2) !== value * 2) {
      found.push(problem(where, `database.${field}`, value, `Aurora Serverless v2 capacity is ${least} to 256 ACUs in steps of 0.5`, `use e.g. ${least === 0 ? '0 (pauses when idle)' : '2'}`));
    }
  };
  acu('minCapacity', s.minCapacity, 0);
  acu('maxCapacity', s.maxCapacity, 1);
  if (s.minCapacity !== undefined && s.maxCapacity !== undefined && s.maxCapacity < s.minCapacity) {
    found.push(problem(where, 'database.maxCapacity', s.maxCapacity, `is below minCapacity (${s.minCapacity})`, 'raise maxCapacity or lower minCapacity'));
  }
  return found;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Operator ranges are named networks (VPN, office); "everywhere" is not a range of operators. */
export function operatorCidrProblems(where: string, cidrs: readonly string[]): Problem[] {
  return cidrs.flatMap((cidr) => {
    if (isToken(cidr)) return [];
    const m = CIDR.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
      return [problem(where, 'operatorCidrs', cidr, 'not an IPv4 CIDR block', 'write ranges as e.g. "10.20.0.0/16"')];
    }
    if (Number(m[5]) === 0) {
      return [problem(where, 'operatorCidrs', cidr, 'admits every address, not a range of operators', 'name the networks operators connect from (VPN, office), e.g. "10.20.0.0/16"')];
    }
    return [];
  });
}

/** Which subnets the service was placed in, as the construct found them. */
export interface SubnetPlacement {
  readonly selected: number;
  /** Ids of selected subnets that route to an internet gateway. */
  readonly publicSubnetIds: readonly string[];
}

export function subnetPlacementProblems(where: string, placement: SubnetPlacement): Problem[] {
  if (placement.selected === 0) {
    return [problem(where, 'vpcSubnets', 'no subnets', 'the VPC has no private subnets for the service and its database', 'give a VPC with private subnets (PRIVATE_WITH_EGRESS; PRIVATE_ISOLATED needs VPC endpoints for ECR, Logs and Secrets Manager), or select them with vpcSubnets')];
  }
  if (placement.publicSubnetIds.length > 0) {
    return [problem(where, 'vpcSubnets', placement.publicSubnetIds, 'the service and its database must not sit in public subnets', 'select private subnets, e.g. { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }; use apiGateway to reach the service from outside the VPC')];
  }
  return [];
}

/** A public endpoint (API Gateway) without its API key would let anyone on the internet read and write run metadata. */
export function endpointProblems(where: string, endpoint: { readonly apiGateway: boolean; readonly apiKey: boolean }): Problem[] {
  if (!endpoint.apiGateway || endpoint.apiKey) return [];
  return [problem(where, 'apiGateway.apiKeyRequired', false, 'a public endpoint without authentication exposes every run\'s metadata to the internet', 'keep apiKeyRequired (the default), or drop apiGateway and reach the service privately (operatorCidrs over VPN or Direct Connect)')];
}

/** How a database password was given: a generated or stored secret is fine; a literal is refused. */
export type PasswordSource = 'none' | 'secret' | 'plain-text' | 'reference-without-secret';

export function passwordProblems(where: string, source: PasswordSource): Problem[] {
  if (source === 'plain-text') {
    return [problem(where, 'database.credentials', '(a password in plain text)', 'the password would be written into the template and the ECS task definition', 'omit credentials for a generated password in Secrets Manager, or store it there and pass rds.Credentials.fromSecret(secret)')];
  }
  if (source === 'reference-without-secret') {
    return [problem(where, 'database.credentials', '(a password without its secret)', 'the service reads user and password from a Secrets Manager secret, which a bare password reference does not give it', 'pass rds.Credentials.fromSecret(secret) with the secret holding username and password')];
  }
  return [];
}
