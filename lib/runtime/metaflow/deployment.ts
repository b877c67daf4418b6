import { ValidationError } from '../../errors';

/**
 * What a Metaflow step's job needs to know about the deployment, the values Metaflow's `step-functions create` takes
 * from the deployer's Metaflow config (`metaflow-sfn-protocol.md` §3.2, §11). The compiler fills it from the
 * infrastructure (datastore bucket, coordination table, queues, roles) and the flow construct.
 */
export interface MetaflowDeployment {
  /** Region of the Batch jobs (`AWS_DEFAULT_REGION`). */
  readonly region: string;
  /** `METAFLOW_DATASTORE_SYSROOT_S3`, e.g. `s3://bucket/metaflow`. */
  readonly datastoreRoot: string;
  /** `METAFLOW_DATATOOLS_S3ROOT`. @default `<datastoreRoot>/data` */
  readonly datatoolsRoot?: string;
  /** `METAFLOW_CARD_S3ROOT`. @default `<datastoreRoot>/mf.cards` */
  readonly cardRoot?: string;
  /** `METAFLOW_DEFAULT_METADATA` and `--metadata`. @default 'local' */
  readonly metadata?: 'local' | 'service';
  /** `METAFLOW_SERVICE_URL` (the metadata service's internal URL). @default none */
  readonly serviceUrl?: string;
  /** `METAFLOW_SERVICE_HEADERS` (sent in clear text in the job). @default {} */
  readonly serviceHeaders?: Readonly<Record<string, string>>;
  /**
   * `METAFLOW_SERVICE_HEADERS` reaches the job as a Batch secret of its job definition (an API key from Secrets
   * Manager), so the container overrides leave it out: the key never appears in the state machine. @default false
   */
  readonly serviceHeadersSecret?: boolean;
  /** `METAFLOW_S3_ENDPOINT_URL` (S3-compatible stores, local stand-ins). @default none */
  readonly s3EndpointUrl?: string;
  /** `METAFLOW_S3_SERVER_SIDE_ENCRYPTION`, e.g. `aws:kms`. @default none */
  readonly s3ServerSideEncryption?: string;
  /** `METAFLOW_OTEL_ENDPOINT`. @default none */
  readonly otelEndpoint?: string;
  /** `METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE`, `aws-secrets-manager` when a step uses `@secrets`. @default none */
  readonly secretsBackendType?: string;
  /** `METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION`. @default none */
  readonly secretsManagerRegion?: string;
  /** `METAFLOW_SFN_DYNAMO_DB_TABLE`: the foreach coordination table (key `pathspec`, TTL `ttl`). Needed for foreach. */
  readonly dynamoDbTable?: string;
  /** Name of the state machine (`SFN_STATE_MACHINE`). */
  readonly stateMachineName: string;
  /** Deployer user name (`metaflow.owner`, `METAFLOW_OWNER`, `USER`). */
  readonly owner: string;
  /** Production token (`METAFLOW_PRODUCTION_TOKEN`; namespace `production:<token>`). */
  readonly productionToken: string;
  /** Metaflow version in the image, for `metaflow.version`. @default '2.19.38' */
  readonly metaflowVersion?: string;
  /** `METAFLOW_VERSION`: JSON of the environment info; flow_name and production_token are added. @default the version only */
  readonly environmentInfo?: Readonly<Record<string, unknown>>;
  /** The flow directory as shipped to the job. */
  readonly codePackage: MetaflowCodePackage;
  /** Defaults for steps without a static `@batch`: what `--with batch:...` tells the in-task decorator. */
  readonly batchDefaults: { readonly image: string; readonly queue: string; readonly iamRole?: string; readonly executionRole?: string };
  /** `--workflow-timeout`, seconds; feeds the DynamoDB TTL of nested foreaches. @default none */
  readonly workflowTimeoutSeconds?: number;
  /** `--tag` values added to every run. @default none */
  readonly tags?: readonly string[];
  /** `--namespace`. @default none */
  readonly namespace?: string;
  /**
   * Names of the flow's `Config`s, whose values the code package's `CONFIG` member holds. Each task is told to read
   * them there on its command line (`--local-config-file CONFIG --config-value NAME kv.NAME`) and, as
   * `step-functions create` does, in `METAFLOW_FLOW_CONFIG_VALUE` (`{"name": "kv.name"}`). @default none
   */
  readonly configNames?: readonly string[];
  /** Top-level options of flow decorators, e.g. `@project`'s `['--branch', 'x']` or `['--production']`. @default none */
  readonly flowOptions?: readonly string[];
}

/** Where the flow's code is and how it is packed. */
export interface MetaflowCodePackage {
  /** `s3://bucket/key` of the package. */
  readonly url: string;
  /** sha1 (or asset hash) of the package, `METAFLOW_CODE_SHA`. */
  readonly sha: string;
  /**
   * `tgz`: a gzip'd tar in Metaflow's layout (built by Metaflow, or by `MetaflowFlow` at synth: the flow's files and
   * `INFO` at the root), unpacked with `tar`; `zip`: the flow directory as a CDK directory asset, unpacked with
   * Python's zipfile (Metaflow's client cannot read it: `Run.code` fails).
   */
  readonly format: 'tgz' | 'zip';
  /** `METAFLOW_CODE_METADATA` of a Metaflow package. @default the tgz metadata for `tgz`, none for `zip` */
  readonly metadata?: string;
  /**
   * Where the package lies in Metaflow's content-addressed store, `<datastore sysroot>/<flow>/data/<sha[:2]>/<sha>`
   * (`sha` the package's sha1): the location Metaflow records (`METAFLOW_CODE_URL`), from which its client loads
   * `Run.code`. The `start` step copies the package there from `url` once per run when it is missing. Tasks keep
   * downloading from `url`. @default none: Metaflow records `url`
   */
  readonly datastoreUrl?: string;
}

export const DEFAULT_METAFLOW_VERSION = '2.19.38';
/** The code package member holding a flow's `Config` values (`{"user_configs": {name: [value, plain]}}`), read by every task. */
export const PACKAGE_CONFIG_MEMBER = 'CONFIG';
export const METAFLOW_TGZ_CODE_METADATA = '{"version": 0, "archive_format": "tgz", "mfcontent_version": 1}';
/** `METAFLOW_CODE_METADATA` of the package `MetaflowFlow` builds: Metaflow's v0 content layout (`INFO` at the root). */
export const METAFLOW_V0_CODE_METADATA = '{"version": 0, "archive_format": "tgz", "mfcontent_version": 0}';

/** `s3://bucket/some/key` -> bucket and key. */
export function splitS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) {
    throw new ValidationError([{ where: 'Metaflow deployment', field: 'codePackage.url', value: url, message: 'is not an s3:// URL with a key', fix: 'use s3://<bucket>/<key>' }]);
  }
  return { bucket: match[1], key: match[2] };
}
