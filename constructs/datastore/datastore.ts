import { createHash } from 'crypto';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type Problem, ProblemCollector } from '../../lib/errors';
import { type PropKindSpec, enumValueProblems, optionsKindProblems, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { sysroot } from '../../lib/infrastructure/config-export';
import { acknowledgeGuardRule } from '../security/acknowledgements';
import { SAFE_SYSROOT_SUBPREFIXES, validateExpiry, validateKeyPrefix } from '../../lib/infrastructure/datastore-rules';
import type { IMetaflowDatastoreRef } from '../infrastructure/contract';

export enum DatastoreEncryption {
  /** SSE-S3 (AES-256 with keys S3 manages). */
  S3_MANAGED = 'S3_MANAGED',
  /** SSE-KMS with a customer managed key (created with rotation, or `encryptionKey`), with an S3 bucket key. */
  KMS = 'KMS',
}

/** A scratch prefix whose objects may be deleted by age. */
export interface ExpiringPrefix {
  /** Key prefix, without leading or trailing slash. It must not hold the sysroot's artifacts. */
  readonly prefix: string;
  /** Age at which objects are deleted. */
  readonly expiration: Duration;
}

export interface MetaflowDatastoreProps {
  /**
   * An existing bucket to use instead of creating one. Its encryption, policy and lifecycle are left as they are, so
   * only `rootPrefix` and `encryptionKey` may be given with it.
   * @default - a new bucket
   */
  readonly bucket?: s3.IBucket;
  /**
   * Key prefix under which Metaflow writes, without leading or trailing slash.
   * @default 'metaflow'
   */
  readonly rootPrefix?: string;
  /**
   * Server-side encryption of a new bucket; `S3_MANAGED` together with `encryptionKey` is refused.
   * @default DatastoreEncryption.S3_MANAGED, or KMS when `encryptionKey` is given
   */
  readonly encryption?: DatastoreEncryption;
  /**
   * KMS key for SSE-KMS (new bucket), or the key an existing bucket is encrypted with (so grants include it).
   * @default - with KMS encryption, a new key with yearly rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Keep object versions. Noncurrent versions expire after `noncurrentVersionExpiration`: artifacts are immutable and
   * content-addressed, so an overwritten version holds the same bytes and deleting it loses nothing.
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * Age after which noncurrent versions are deleted, in whole days (only with `versioned: true`, refused otherwise).
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Server access logs: `true` creates a log bucket, a bucket uses it, `false` turns logging off.
   * @default true
   */
  readonly serverAccessLogs?: boolean | s3.IBucket;
  /**
   * Age at which server access logs expire, in whole days (only for a log bucket this construct creates, refused otherwise).
   * @default Duration.days(365)
   */
  readonly serverAccessLogsExpiration?: Duration;
  /**
   * Age at which Distributed Map manifests and results (`<rootPrefix>/sfn_distributed_map_*`) expire, in whole days:
   * they belong to one run and are read only while it runs.
   * @default Duration.days(30)
   */
  readonly distributedMapExpiration?: Duration;
  /**
   * More scratch prefixes to expire by age, each listed once. Refused for any prefix that holds the sysroot's
   * content-addressed artifacts, and for the Distributed Map prefixes (`distributedMapExpiration` sets theirs).
   * @default - none
   */
  readonly expiringPrefixes?: readonly ExpiringPrefix[];
  /**
   * Send the bucket's events to EventBridge (S3-upload triggers need it).
   * @default true
   */
  readonly eventBridgeEnabled?: boolean;
  /**
   * What happens to a new bucket and key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Metaflow's S3 datastore: a bucket (new or existing) and the prefix Metaflow writes under.
 * Grants are scoped to the prefix, never to the whole bucket.
 */
export class MetaflowDatastore extends Construct implements IMetaflowDatastoreRef {
  /** Uses an existing bucket as is: no policy, encryption or lifecycle changes. */
  static fromBucket(scope: Construct, id: string, bucket: s3.IBucket, options: { rootPrefix?: string; encryptionKey?: kms.IKey } = {}): MetaflowDatastore {
    return new MetaflowDatastore(scope, id, { bucket, rootPrefix: options.rootPrefix, encryptionKey: options.encryptionKey });
  }

  readonly bucket: s3.IBucket;
  readonly rootPrefix: string;
  readonly sysroot: string;
  readonly encryptionKey?: kms.IKey;
  /** The server access log bucket this construct created, if any. */
  readonly accessLogsBucket?: s3.IBucket;

  constructor(scope: Construct, id: string, props: MetaflowDatastoreProps = {}) {
    super(scope, id);
    const problems = new ProblemCollector();
    problems.addAll(datastoreProblems(this.node.path, props));
    problems.throwIfAny();
    this.rootPrefix = props.rootPrefix ?? DEFAULT_ROOT_PREFIX;
    const expiring = [
      ...distributedMapRules(this.rootPrefix, props.distributedMapExpiration ?? Duration.days(30)),
      ...(props.expiringPrefixes ?? []),
    ];

    if (props.bucket) {
      this.bucket = props.bucket;
      this.encryptionKey = props.encryptionKey ?? props.bucket.encryptionKey;
    } else {
      const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
      const useKms = (props.encryption ?? (props.encryptionKey ? DatastoreEncryption.KMS : DatastoreEncryption.S3_MANAGED)) === DatastoreEncryption.KMS;
      this.encryptionKey = useKms ? props.encryptionKey ?? this.createKey(removalPolicy) : undefined;
      this.accessLogsBucket = this.createAccessLogsBucket(props, removalPolicy);
      const versioned = props.versioned ?? false;
      const expiryIds = expiryRuleIds(expiring.map((rule) => rule.prefix));
      const bucket = new s3.Bucket(this, 'Bucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        encryption: useKms ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
        encryptionKey: this.encryptionKey,
        bucketKeyEnabled: useKms ? true : undefined,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned,
        removalPolicy,
        lifecycleRules: [
          { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
          ...(versioned ? [{ id: 'NoncurrentVersions', noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30) }] : []),
          ...expiring.map((rule, i) => ({ id: expiryIds[i], prefix: `${rule.prefix}/`, expiration: rule.expiration })),
        ],
      });
      if (this.encryptionKey) this.denyUploadsNotUnderKey(bucket, this.encryptionKey);
      // S3 events on the default bus: S3-upload triggers match them without a notification custom resource.
      (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: props.eventBridgeEnabled ?? true } };
      acknowledgeGuardRule(bucket, 's3_bucket_object_lock_enabled_check', OBJECT_LOCK_REASON);
      if (!useKms) acknowledgeGuardRule(bucket, 's3_bucket_default_encryption_kms_check', 'SSE-S3 was chosen (the default); access is controlled by IAM and the bucket policy. Use DatastoreEncryption.KMS for key-level control.');
      if (!versioned) acknowledgeGuardRule(bucket, 's3_bucket_versioning_enabled_check', 'Versioning is off (the default): artifacts are immutable and content-addressed, so a rewrite stores the same bytes. Set versioned: true to keep history.');
      if (props.eventBridgeEnabled === false) acknowledgeGuardRule(bucket, 's3_event_notifications_enabled_check', 'EventBridge notifications were turned off (eventBridgeEnabled: false).');
      const logTarget = this.accessLogsBucket ?? (typeof props.serverAccessLogs === 'object' ? props.serverAccessLogs : undefined);
      if (logTarget) this.enableAccessLogs(bucket, logTarget);
      this.bucket = bucket;
    }
    this.sysroot = sysroot(this.bucket.bucketName, this.rootPrefix);
  }

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, removalPolicy, description: `Metaflow datastore ${this.node.path}` });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
    return key;
  }

  /**
   * Server access logging through a bucket policy for the S3 logging service (not the legacy log-delivery ACL, which
   * aws-s3 picks unless the consuming app sets a feature flag).
   */
  private enableAccessLogs(bucket: s3.Bucket, target: s3.IBucket): void {
    const prefix = `${this.node.addr}/`;
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: target.bucketName, logFilePrefix: prefix };
    target.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogs',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [target.arnForObjects(`${prefix}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /**
   * With KMS chosen, an upload that asks for other encryption is refused: `AES256`, another key, or `aws:kms` without a
   * key (S3 then uses the account's `aws/s3` key). Such an object could be read without `kms:Decrypt` on this key.
   * Uploads that name no encryption get the bucket's key.
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html)
   */
  private denyUploadsNotUnderKey(bucket: s3.Bucket, key: kms.IKey): void {
    const sse = 's3:x-amz-server-side-encryption';
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    const deny = (sid: string, conditions: Record<string, Record<string, string>>) =>
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions,
      }));
    deny('DenyUploadsWithOtherEncryption', { StringNotEqualsIfExists: { [sse]: 'aws:kms' } });
    deny('DenyUploadsWithOtherKeys', { StringNotEquals: { [keyId]: key.keyArn }, Null: { [keyId]: 'false' } });
    deny('DenyUploadsWithTheAccountKey', { StringEquals: { [sse]: 'aws:kms' }, Null: { [keyId]: 'true' } });
  }

  /** Read access to objects under `<rootPrefix>/<keyPattern>` and listing of that prefix. */
  grantRead(grantee: iam.IGrantable, keyPattern = '*'): iam.Grant {
    const grant = this.grantObjects(grantee, ['s3:GetObject'], keyPattern);
    this.encryptionKey?.grantDecrypt(grantee);
    return grant;
  }

  /** Read and write access to objects under `<rootPrefix>/<keyPattern>`; deletes are not granted, artifacts are shared. */
  grantReadWrite(grantee: iam.IGrantable, keyPattern = '*'): iam.Grant {
    const grant = this.grantObjects(grantee, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], keyPattern);
    this.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    return grant;
  }

  private grantObjects(grantee: iam.IGrantable, actions: string[], keyPattern: string): iam.Grant {
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      // Listing the bare root prefix is allowed only with the whole prefix granted: it lists every key below it.
      conditions: { StringLike: { 's3:prefix': keyPattern === '*' ? [this.rootPrefix, `${this.rootPrefix}/*`] : [`${this.rootPrefix}/${keyPattern}`] } },
    });
    const objects = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.bucket.arnForObjects(`${this.rootPrefix}/${keyPattern}`)] });
    return list.combine(objects);
  }

  private createAccessLogsBucket(props: MetaflowDatastoreProps, removalPolicy: RemovalPolicy): s3.IBucket | undefined {
    if (props.serverAccessLogs !== undefined && props.serverAccessLogs !== true) return undefined;
    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // S3 delivers server access logs only to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
      lifecycleRules: [
        { id: 'ExpireLogs', expiration: props.serverAccessLogsExpiration ?? Duration.days(365), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    const loop = 'This is the server access log bucket; logging it into itself would loop.';
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: loop });
    acknowledgeGuardRule(logs, 's3_bucket_logging_enabled_check', loop);
    acknowledgeGuardRule(logs, 's3_bucket_default_encryption_kms_check', 'S3 delivers server access logs only to buckets encrypted with SSE-S3, not SSE-KMS.');
    acknowledgeGuardRule(logs, 's3_event_notifications_enabled_check', 'Nothing reacts to access-log objects; notifications would only add cost.');
    acknowledgeGuardRule(logs, 's3_bucket_object_lock_enabled_check', OBJECT_LOCK_REASON);
    return logs;
  }
}

const DEFAULT_ROOT_PREFIX = 'metaflow';

const OBJECT_LOCK_REASON =
  'Object Lock would block the safe expiry rules (scratch prefixes, noncurrent versions, old logs); data is protected by RETAIN, no delete grants and versioning instead.';

function distributedMapPrefixes(rootPrefix: string): string[] {
  return [SAFE_SYSROOT_SUBPREFIXES.distributedMapOutput, SAFE_SYSROOT_SUBPREFIXES.distributedMapInput].map((sub) => `${rootPrefix}/${sub}`);
}

function distributedMapRules(rootPrefix: string, expiration: Duration): ExpiringPrefix[] {
  return distributedMapPrefixes(rootPrefix).map((prefix) => ({ prefix, expiration }));
}

/** Every problem of datastore props; `where` is the datastore's construct path (also used by MetaflowInfrastructure). */
const DATASTORE_PROP_KINDS: Readonly<Record<Exclude<keyof MetaflowDatastoreProps, 'serverAccessLogs' | 'removalPolicy'>, PropKindSpec>> = {
  bucket: { kind: 'construct', fix: 'import the bucket, e.g. s3.Bucket.fromBucketName(this, "Bucket", name)' },
  rootPrefix: 'string',
  encryption: 'string',
  encryptionKey: 'construct',
  versioned: 'boolean',
  noncurrentVersionExpiration: 'Duration',
  serverAccessLogsExpiration: 'Duration',
  distributedMapExpiration: 'Duration',
  expiringPrefixes: 'object list',
  eventBridgeEnabled: 'boolean',
};

/** Props of the wrong JavaScript kind, before anything reads them. */
function datastoreKindProblems(where: string, props: MetaflowDatastoreProps): Problem[] {
  const notOptions = optionsKindProblems(where, 'datastore', props);
  if (notOptions.length > 0) return notOptions;
  const found = propKindProblems(where, props, DATASTORE_PROP_KINDS);
  const logs: unknown = props.serverAccessLogs;
  if (logs !== undefined && typeof logs !== 'boolean' && !(typeof logs === 'object' && logs !== null && 'bucketName' in logs)) {
    found.push({ where, field: 'serverAccessLogs', value: logs, message: 'must be true, false or a bucket', fix: 'write true or false without quotes, or pass a bucket construct for the logs' });
  }
  found.push(...enumValueProblems(where, 'removalPolicy', props.removalPolicy, 'RemovalPolicy', RemovalPolicy));
  (Array.isArray(props.expiringPrefixes) ? props.expiringPrefixes : []).forEach((entry, i) => {
    found.push(...propKindProblems(where, entry, { prefix: 'string', expiration: 'Duration' }).map((p) => ({ ...p, field: `expiringPrefixes[${i}].${p.field}` })));
  });
  return found;
}

/** A datastore given from JavaScript that is not one (e.g. `{ bucket }`), before its grants are called. */
export function datastoreRefProblems(where: string, field: string, value: unknown): Problem[] {
  const ref = value as Partial<Record<keyof IMetaflowDatastoreRef, unknown>> | undefined;
  const isRef = typeof ref === 'object' && ref !== null && typeof ref.grantRead === 'function' && typeof ref.grantReadWrite === 'function'
    && typeof ref.rootPrefix === 'string' && typeof ref.bucket === 'object';
  const shown = typeof value === 'object' && value !== null ? `an object with ${Object.keys(value).join(', ') || 'no keys'}` : value;
  return value === undefined || isRef ? [] : [{ where, field, value: shown, message: 'must be a datastore: a bucket, its root prefix and grants', fix: 'pass a MetaflowDatastore, e.g. MetaflowDatastore.fromBucket(this, "Datastore", bucket, { rootPrefix: "metaflow" })' }];
}

export function datastoreProblems(where: string, props: MetaflowDatastoreProps): Problem[] {
  const kinds = datastoreKindProblems(where, props);
  if (kinds.length > 0) return kinds;
  const rootPrefix = props.rootPrefix ?? DEFAULT_ROOT_PREFIX;
  const found: Problem[] = [...rootPrefixProblems(where, rootPrefix)];
  if (props.bucket) {
    found.push(...existingBucketProblems(where, props.bucket, props));
    return found;
  }
  const expiring = props.expiringPrefixes ?? [];
  found.push(...encryptionProblems(where, props));
  found.push(...ignoredExpiryProblems(where, props));
  found.push(...wholeDaysProblems(where, props));
  found.push(...validateExpiry(where, rootPrefix, expiring.map((e) => ({ prefix: e.prefix, days: e.expiration.toDays({ integral: false }) }))));
  found.push(...duplicateExpiryProblems(where, distributedMapPrefixes(rootPrefix), expiring.map((e) => e.prefix)));
  return found;
}

const S3_URL = /^s3:\/\/[^/]*\/?/i;

/** A sysroot URL given as the prefix would make the sysroot `s3://<bucket>/s3://<bucket>/...`. */
export function rootPrefixProblems(where: string, rootPrefix: string): Problem[] {
  if (typeof rootPrefix !== 'string') return [{ where, field: 'rootPrefix', value: rootPrefix, message: 'must be a string', fix: 'write the key prefix in quotes, e.g. "metaflow"' }];
  if (!S3_URL.test(rootPrefix)) return validateKeyPrefix(where, 'rootPrefix', rootPrefix);
  const keyPrefix = rootPrefix.replace(S3_URL, '').replace(/\/+$/, '') || DEFAULT_ROOT_PREFIX;
  return [{
    where,
    field: 'rootPrefix',
    value: rootPrefix,
    message: 'an S3 URL, not a key prefix: the sysroot would be "s3://<bucket>/" followed by this URL',
    fix: `give only the key prefix after the bucket name, e.g. "${keyPrefix}": the datastore adds "s3://<bucket>/" itself`,
  }];
}

/** Props that shape only a bucket the datastore creates; with an existing bucket they would be ignored. */
const NEW_BUCKET_ONLY = ['encryption', 'versioned', 'noncurrentVersionExpiration', 'serverAccessLogs', 'serverAccessLogsExpiration', 'distributedMapExpiration', 'expiringPrefixes', 'eventBridgeEnabled', 'removalPolicy'] as const;

function existingBucketProblems(where: string, bucket: s3.IBucket, props: MetaflowDatastoreProps): Problem[] {
  const given = NEW_BUCKET_ONLY.filter((name) => (name === 'expiringPrefixes' ? (props.expiringPrefixes ?? []).length > 0 : props[name] !== undefined));
  if (given.length === 0) return [];
  return [{
    where,
    field: 'bucket',
    value: bucket.node.path,
    message: `an existing bucket is used as is, so ${given.join(', ')} cannot apply to it`,
    fix: 'configure those on the existing bucket itself, or let the datastore create the bucket',
  }];
}

function encryptionProblems(where: string, props: MetaflowDatastoreProps): Problem[] {
  const known: readonly unknown[] = Object.values(DatastoreEncryption);
  if (props.encryption !== undefined && !known.includes(props.encryption)) {
    return [{
      where,
      field: 'encryption',
      value: props.encryption,
      message: 'not a DatastoreEncryption value: the datastore encrypts with SSE-S3 or SSE-KMS under a customer managed key only, and would otherwise fall back to SSE-S3',
      fix: 'use DatastoreEncryption.S3_MANAGED or DatastoreEncryption.KMS',
    }];
  }
  if (props.encryption === DatastoreEncryption.S3_MANAGED && props.encryptionKey) {
    return [{
      where,
      field: 'encryption',
      value: props.encryption,
      message: `SSE-S3 encrypts with keys S3 manages, so the encryptionKey given (${props.encryptionKey.node.path}) would be ignored: no object would be encrypted with it`,
      fix: 'use DatastoreEncryption.KMS (the default when encryptionKey is given) to encrypt with that key, or remove encryptionKey',
    }];
  }
  return [];
}

/** Expiry props that apply only with another setting, which is off. */
function ignoredExpiryProblems(where: string, props: MetaflowDatastoreProps): Problem[] {
  const found: Problem[] = [];
  if (props.noncurrentVersionExpiration && props.versioned !== true) {
    found.push({
      where,
      field: 'noncurrentVersionExpiration',
      value: describeDuration(props.noncurrentVersionExpiration),
      message: 'only a versioned bucket has noncurrent versions, and versioned is not true, so this expiry would be ignored',
      fix: 'set versioned: true, or remove noncurrentVersionExpiration',
    });
  }
  const logs = props.serverAccessLogs;
  if (props.serverAccessLogsExpiration && logs !== undefined && logs !== true) {
    found.push({
      where,
      field: 'serverAccessLogsExpiration',
      value: describeDuration(props.serverAccessLogsExpiration),
      message: logs === false
        ? 'serverAccessLogs is false, so there is no log bucket for this expiry to apply to'
        : `server access logs go to the bucket given as serverAccessLogs (${logs.node.path}), whose lifecycle this construct leaves as it is`,
      fix: logs === false
        ? 'remove serverAccessLogsExpiration, or set serverAccessLogs: true for a log bucket that expires its logs'
        : 'set the expiry in that bucket\'s own lifecycle rules, or remove serverAccessLogsExpiration',
    });
  }
  return found;
}

/** S3 lifecycle rules count in whole days, at least 1; aws-s3 would fail on a fraction with a raw resolution error. */
function wholeDaysProblems(where: string, props: MetaflowDatastoreProps): Problem[] {
  const durations = { distributedMapExpiration: props.distributedMapExpiration, noncurrentVersionExpiration: props.noncurrentVersionExpiration, serverAccessLogsExpiration: props.serverAccessLogsExpiration };
  return Object.entries(durations).flatMap(([field, duration]) => {
    if (duration === undefined || duration.isUnresolved()) return [];
    const days = duration.toDays({ integral: false });
    if (Number.isInteger(days) && days >= 1) return [];
    return [{ where, field, value: describeDuration(duration), message: 'expiry must be a whole number of days of at least 1', fix: 'use Duration.days(n) with n >= 1' }];
  });
}

function describeDuration(duration: Duration): string {
  return duration.isUnresolved() ? '<a duration known only at deploy>' : duration.toHumanString();
}

/**
 * Refuses an `expiringPrefixes` entry that repeats another, or a prefix the datastore already expires (`builtIn`): two
 * expiries for one prefix leave which one holds unclear, and their rule ids would clash, which S3 refuses at deploy.
 */
function duplicateExpiryProblems(where: string, builtIn: readonly string[], prefixes: readonly string[]): Problem[] {
  return prefixes.flatMap((prefix, i): Problem[] => {
    const field = `expiringPrefixes[${i}].prefix`;
    if (builtIn.includes(prefix)) {
      return [{
        where,
        field,
        value: prefix,
        message: 'the datastore already expires this prefix, after distributedMapExpiration (30 days by default)',
        fix: 'remove this entry and set distributedMapExpiration: Duration.days(n) instead',
      }];
    }
    const first = prefixes.indexOf(prefix);
    if (first === i) return [];
    return [{
      where,
      field,
      value: prefix,
      message: `the same prefix as expiringPrefixes[${first}], which already sets its expiry`,
      fix: `keep one entry for "${prefix}", with the expiration you want`,
    }];
  });
}

/** S3's limit on a lifecycle rule id. */
const MAX_RULE_ID_LENGTH = 255;

/**
 * Lifecycle rule ids for expiring prefixes (assumed distinct): `Expire-<prefix with non-alphanumerics as ->`, readable
 * and stable. A prefix whose id is taken by an earlier one (`a.b` and `a-b`) or is too long gets a hash of the prefix
 * instead of failing the deploy; ids of the other rules do not change.
 */
function expiryRuleIds(prefixes: readonly string[]): string[] {
  const taken = new Set<string>();
  return prefixes.map((prefix) => {
    const readable = `Expire-${prefix.replace(/[^A-Za-z0-9]/g, '-')}`;
    let id = readable;
    if (taken.has(id) || id.length > MAX_RULE_ID_LENGTH) {
      const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
      id = `${readable.slice(0, MAX_RULE_ID_LENGTH - hash.length - 1)}-${hash}`;
    }
    taken.add(id);
    return id;
  });
}
