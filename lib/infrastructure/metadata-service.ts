import type { Problem } from '../errors';
import { FARGATE_MEMORY_BY_CPU } from '../graph/rules/platform';
import { imageProblem } from '../graph/rules/resources';
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

/**
 * Refuses names a registry cannot hold (the flow image rule), then `latest` and untagged references: a deploy must not
 * change the service (and its schema) by itself.
 */
export function imageProblems(where: string, image: string): Problem[] {
  const badName = imageProblem({ where, field: 'image' }, image);
  if (badName) return [{ ...badName, fix: `e.g. "${DEFAULT_METADATA_SERVICE_IMAGE}" or an ECR image URI with a version tag` }];
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

/**
 * Memory (MiB) Fargate offers with each task CPU size, in ECS CPU units (1024 = 1 vCPU): the same pairs a Fargate step
 * is judged on; any other pair fails at deploy.
 */
const FARGATE_MEMORY_BY_CPU_UNITS: ReadonlyMap<number, readonly number[]> = new Map(
  [...FARGATE_MEMORY_BY_CPU].map(([vcpus, memories]) => [vcpus * 1024, memories]),
);

/** `a`, `a or b`, `a, b or c`. */
function oneOf(values: readonly number[]): string {
  return values.length === 1 ? String(values[0]) : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function memoryChoices(memories: readonly number[]): string {
  if (memories.length <= 4) return `${oneOf(memories)} MiB`;
  return `${memories[0]} to ${memories[memories.length - 1]} MiB in steps of ${memories[1] - memories[0]} MiB`;
}

function sizeExpression(mebibytes: number): string {
  return mebibytes % 1024 === 0 ? `Size.gibibytes(${mebibytes / 1024})` : `Size.mebibytes(${mebibytes})`;
}

/** Task CPU and memory must be one of Fargate's pairs; CloudFormation only warns, and the deploy fails. */
export function fargateSizeProblems(where: string, cpu: number, memoryMiB: number): Problem[] {
  if (isToken(cpu) || isToken(memoryMiB)) return [];
  const cpusForMemory = [...FARGATE_MEMORY_BY_CPU_UNITS].filter(([, memories]) => memories.includes(memoryMiB)).map(([c]) => c);
  const memories = FARGATE_MEMORY_BY_CPU_UNITS.get(cpu);
  if (memories === undefined) {
    const matching = cpusForMemory.length > 0 ? `; with ${memoryMiB} MiB of memory: ${oneOf(cpusForMemory)}` : '';
    return [problem(where, 'cpu', cpu, 'Fargate has no task of this CPU size', `use one of ${[...FARGATE_MEMORY_BY_CPU_UNITS.keys()].join(', ')} (1024 = 1 vCPU)${matching}`)];
  }
  if (memories.includes(memoryMiB)) return [];
  const otherCpu = cpusForMemory.length > 0 ? `, or set cpu to ${oneOf(cpusForMemory)} for ${memoryMiB} MiB` : '';
  return [problem(where, 'memory', `${memoryMiB} MiB`, `with cpu ${cpu} Fargate takes a memory of ${memoryChoices(memories)}`, `set memory within that range (e.g. ${sizeExpression(memories[0])})${otherCpu}`)];
}

export interface ScalingSettings {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly targetCpuPercent?: number;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
}

/**
 * Task counts and the CPU target between them (average utilization never exceeds 100%, so a higher target never
 * scales out), and Aurora Serverless v2 capacity in ACUs (0 to 256 in steps of 0.5; 0 pauses when idle).
 */
export function scalingProblems(where: string, s: ScalingSettings): Problem[] {
  const found: Problem[] = [];
  if (!Number.isInteger(s.minTasks) || s.minTasks < 1) {
    found.push(problem(where, 'minTasks', s.minTasks, 'the service needs at least one running task to answer', 'set minTasks to 1 or more'));
  }
  if (!Number.isInteger(s.maxTasks) || s.maxTasks < s.minTasks) {
    found.push(problem(where, 'maxTasks', s.maxTasks, `must be a whole number no smaller than minTasks (${s.minTasks})`, `set maxTasks to ${Math.max(1, s.minTasks)} or more`));
  }
  if (s.targetCpuPercent !== undefined && !isToken(s.targetCpuPercent) && !(s.targetCpuPercent >= 1 && s.targetCpuPercent <= 100)) {
    found.push(problem(where, 'targetCpuPercent', s.targetCpuPercent, 'the average CPU utilization scaling keeps tasks at is a percentage from 1 to 100', 'set e.g. 60'));
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

/**
 * Source ranges (`operatorCidrs`, `apiGateway.allowedSourceCidrs`) are named networks (VPN, office); "everywhere" is
 * not a range. `example` is a range of the kind the field takes (private for the VPC endpoint, public for the API).
 */
export function sourceCidrProblems(where: string, field: string, cidrs: readonly string[], example: string): Problem[] {
  return cidrs.flatMap((cidr) => {
    if (isToken(cidr)) return [];
    const m = CIDR.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
      return [problem(where, field, cidr, 'not an IPv4 CIDR block', `write ranges as e.g. "${example}"`)];
    }
    if (Number(m[5]) === 0) {
      return [problem(where, field, cidr, 'admits every address, not a range of callers', `name the networks callers connect from (VPN, office), e.g. "${example}"`)];
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

/** The database engine and its engine-specific options as given (undefined when left out). */
export interface DatabaseEngineOptions {
  readonly aurora: boolean;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  /** The instance type's name, e.g. `t4g.small`. */
  readonly instanceType?: string;
  readonly multiAz?: boolean;
}

/** Aurora is sized in ACUs, RDS by instance type; an option of one engine given with the other would be dropped. */
export function databaseEngineProblems(where: string, options: DatabaseEngineOptions): Problem[] {
  const [fields, engine, other, otherSizing] = options.aurora
    ? [['instanceType', 'multiAz'] as const, 'AURORA_SERVERLESS_V2', 'RDS_POSTGRES', 'minCapacity and maxCapacity (ACUs)']
    : [['minCapacity', 'maxCapacity'] as const, 'RDS_POSTGRES', 'AURORA_SERVERLESS_V2', 'instanceType and multiAz'];
  return fields
    .filter((field) => options[field] !== undefined)
    .map((field) => problem(where, `database.${field}`, options[field], `${field} applies to the ${other} engine only; the ${engine} engine ignores it and takes ${otherSizing}`, `remove ${field}, or set engine: MetadataDatabaseEngine.${other}`));
}

/** `n days`, `n hours` or `n seconds`: a duration as a user wrote it, for a problem's value. */
function durationText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${seconds} seconds`;
}

/** RDS and Aurora keep automated backups 1 to 35 whole days. */
export function backupRetentionProblems(where: string, seconds: number): Problem[] {
  if (isToken(seconds)) return [];
  const days = seconds / 86400;
  if (Number.isInteger(days) && days >= 1 && days <= 35) return [];
  return [problem(where, 'database.backupRetention', durationText(seconds), 'RDS and Aurora keep automated backups for 1 to 35 whole days', 'set e.g. Duration.days(7)')];
}

/** Secrets Manager rotates every 4 hours to 1000 days, on a rate of whole hours or days; 0 turns rotation off. */
export function rotationIntervalProblems(where: string, seconds: number): Problem[] {
  if (isToken(seconds) || seconds === 0) return [];
  const hours = seconds / 3600;
  if (Number.isInteger(hours) && hours >= 4 && hours <= 1000 * 24) return [];
  return [problem(where, 'database.rotationInterval', durationText(seconds), 'Secrets Manager rotates a secret every 4 hours to 1000 days, in whole hours', 'set e.g. Duration.days(30), or Duration.days(0) to turn rotation off')];
}

/**
 * `url` and `internalUrl` of a metadata service go into Metaflow's config as they are: an empty one turns the
 * config to local metadata, one without a scheme fails in the client.
 */
export function serviceUrlProblems(where: string, field: string, url: string): Problem[] {
  const fix = 'give the full URL, e.g. "https://metadata.example.com/" (http:// for an internal load balancer)';
  if (typeof url !== 'string') return [problem(where, field, url, 'must be a string', fix)];
  if (url.startsWith('${Token[')) return [];
  if (/^https?:\/\/[^\s/?#]+([/?#]\S*)?$/.test(url)) return [];
  if (url.trim() === '') return [problem(where, field, url, 'is empty, so the exported config would fall back to local metadata (METAFLOW_DEFAULT_METADATA=local)', fix)];
  return [problem(where, field, url, 'a metadata service URL is http:// or https:// followed by the host', fix)];
}
