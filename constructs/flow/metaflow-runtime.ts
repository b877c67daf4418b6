import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, AssetHashType, BundlingOutput, DockerImage, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { hashOf } from '../../lib/compile/job-definitions';
import type { FlowPlan } from '../../lib/compile/plan';
import { ValidationError } from '../../lib/errors';
import { documentShapeProblems } from '../../lib/graph/document/parse';
import type { FlowDocument, MetaflowConfigValue } from '../../lib/graph/model';
import type { DeployTimeEvaluation } from '../../lib/importer/deploy-time';
import { importPythonFlow } from '../../lib/importer/python';
import { staticBatchSteps } from '../../lib/importer/static-decorators';
import { codePackageFiles, codePackageHash, type CodePackageSource } from '../../lib/runtime/metaflow/code-package';
import { codePackageTarball, contentAddressedKey, contentAddressedUrl, metaflowPackageInfo, type MetaflowPackageInfo } from '../../lib/runtime/metaflow/code-tarball';
import { DEFAULT_METAFLOW_VERSION, METAFLOW_V0_CODE_METADATA, type MetaflowDeployment } from '../../lib/runtime/metaflow/deployment';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';
import { secretsByName } from '../security/secret-names';
import { grantSecretsRead } from '../security/secrets';

type FlowConfigs = Readonly<Record<string, MetaflowConfigValue>>;

/** Metaflow settings of a flow imported from Python. */
export interface MetaflowRuntimeOptions {
  /**
   * Deployer user name: `metaflow.owner`, `METAFLOW_OWNER`, `USER` of every task.
   * @default 'metaflow-cdk'
   */
  readonly owner?: string;
  /**
   * Production token: runs are in namespace `production:<token>`. Keep it stable across deploys.
   * @default - `<flow lowercased>-0-<4 characters derived from the stack name and construct path>`
   */
  readonly productionToken?: string;
  /**
   * Metaflow version installed in the image (`metaflow.version` job parameter).
   * @default '2.19.38'
   */
  readonly metaflowVersion?: string;
  /**
   * Internal URL of a Metaflow metadata service; tasks then use `--metadata=service`.
   * @default - the infrastructure's `metadataService` (its internal URL), else local metadata in the datastore
   */
  readonly serviceUrl?: string;
  /**
   * Headers for the metadata service given with `serviceUrl` (sent in clear text in every job's container overrides;
   * the infrastructure's `metadataService` passes its key as a Batch secret instead).
   * @default - none
   */
  readonly serviceHeaders?: Readonly<Record<string, string>>;
  /**
   * Tags every run gets, as Metaflow's `step-functions create --tag`: e.g. `user:<name>`, so runs in the production
   * namespace are also listed in a user's namespace.
   * @default - none
   */
  readonly tags?: readonly string[];
  /**
   * File suffixes packaged beside Metaflow's own (`.py`, `.R`, `.RDS`), as Metaflow's `--package-suffixes`: e.g.
   * `['.sql', '.json']` for files the flow reads next to its code.
   * @default - Metaflow's suffixes only
   */
  readonly packageSuffixes?: readonly string[];
  /**
   * Step and flow decorators of Metaflow extensions installed in the image (e.g. an organization's `@audit`), deployed
   * as written for Metaflow to run inside the task; metaflow-cdk reads neither their arguments nor their effect (a
   * flow decorator's command-line options are not passed to the steps). Without this, such a decorator is refused at
   * synth.
   * @default - none
   */
  readonly extensionDecorators?: readonly string[];
  /**
   * Evaluate the flow file with the real Metaflow at synth, as `step-functions create` does when it imports the flow:
   * `Config` values (shipped in the code package, read by every task), `IncludeFile` defaults (the file ships as an
   * asset only the job role reads), deploy-time parameter functions (called once, their values become the
   * parameters' defaults) and decorator arguments that read configs (`config_expr`). Synth then needs a Python that
   * can import Metaflow, and runs the flow file's module-level code.
   * @default - the flow file is only read (Python's `ast`), and such values are refused with their line
   */
  readonly deployTimeEvaluation?: DeployTimeEvaluation;
}

/** The flow document of the props: `flow`, or `pythonFlowFile` imported now. Exactly one is allowed. */
export function flowDocumentOf(scope: Construct, props: { flow?: FlowDocument; pythonFlowFile?: string; flowClass?: string; metaflow?: MetaflowRuntimeOptions }): FlowDocument {
  const where = `MetaflowFlow ${scope.node.path}`;
  if ((props.flow === undefined) === (props.pythonFlowFile === undefined)) {
    throw new ValidationError([{ where, field: 'flow', value: props.pythonFlowFile ?? props.flow?.name, message: 'needs exactly one of flow and pythonFlowFile', fix: 'pass a flow document as flow, or a Metaflow flow file as pythonFlowFile' }]);
  }
  if (props.flow !== undefined) {
    // Everything below reads the document; one built in JavaScript could have any shape.
    const shape = documentShapeProblems(props.flow, where);
    if (shape.length > 0) throw new ValidationError(shape);
    return props.flow;
  }
  return importPythonFlow(props.pythonFlowFile!, { flowClass: props.flowClass, extensionDecorators: props.metaflow?.extensionDecorators, deployTimeEvaluation: props.metaflow?.deployTimeEvaluation });
}

export interface MetaflowRuntimeInput {
  readonly infrastructure: IMetaflowInfrastructure;
  readonly doc: FlowDocument;
  readonly plan: FlowPlan;
  readonly image?: string;
  readonly stateMachineName: string;
  readonly options?: MetaflowRuntimeOptions;
  /** The flow's own job role: reads the code package and the flow's `@secrets`, assumes their `role=`. */
  readonly jobRole: iam.IRole;
}

export interface MetaflowRuntime {
  readonly asset: s3assets.Asset;
  readonly deployment: MetaflowDeployment;
  readonly staticBatchSteps: readonly string[];
  /** Steps whose flow file writes `minutes_between_retries` > 0, with the minutes (the state machine waits them). */
  readonly retryDelayMinutes: Readonly<Record<string, number>>;
  /** Where the package came from, for the local engine's "changed since synth" check (state machine metadata). */
  readonly codePackageSource: CodePackageSource;
}


/**
 * Ships the flow's code as Metaflow's tgz code package (a file asset), derives what Metaflow's `step-functions create`
 * would take from the deployer's config, and lets the job role read the package, write it to its content address in
 * the datastore, and read the `@secrets` of the steps (Metaflow reads them inside the task). The job role's table
 * access (Put/Update/Get) is granted here too, in case the infrastructure's role does not already have it.
 */
export function metaflowRuntime(scope: Construct, input: MetaflowRuntimeInput): MetaflowRuntime {
  const { infrastructure: infra, doc, options = {} } = input;
  const runtime = doc.runtime;
  if (runtime?.kind !== 'metaflow') throw new Error('metaflowRuntime: not a Metaflow flow');
  const stack = Stack.of(scope);
  const directory = path.resolve(runtime.directory ?? '.');
  const flowPath = path.join(directory, runtime.flowFile);
  if (!fs.existsSync(flowPath)) {
    throw new ValidationError([{ where: `flow "${doc.name}"`, field: 'runtime.directory', value: directory, message: `holds no ${runtime.flowFile}, so there is no code package to ship`, fix: 'import the flow with importPythonFlow (it records the directory), or set runtime.directory to the folder of the flow file' }]);
  }
  const productionToken = options.productionToken ?? `${doc.name.toLowerCase()}-0-${hashOf([stack.stackName, scope.node.path], 4)}`;
  const info = metaflowPackageInfo({ flowName: doc.name, flowFile: runtime.flowFile, metaflowVersion: options.metaflowVersion ?? DEFAULT_METAFLOW_VERSION, productionToken });
  const { asset, sha, contentHash, outdir } = codePackageAsset(scope, directory, options.packageSuffixes, info, runtime.configs);
  const jobRole = input.jobRole;
  // The package object only, not the whole asset bucket (asset.grantRead would grant every asset of the account).
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: asset.s3BucketName, resourceName: asset.s3ObjectKey })] }));
  asset.bucket.encryptionKey?.grantDecrypt(jobRole);
  // The start step copies the package to its content address, where Metaflow's client reads Run.code: that key only.
  infra.datastore.grantReadWrite(jobRole, contentAddressedKey(doc.name, sha));
  infra.coordinationTable.grant(jobRole, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem');
  const usesSecrets = grantStepSecrets(scope, input);
  const unsafeTag = (options.tags ?? []).find((tag) => !/^[^\s'"`$\\;|&<>()]{1,500}$/.test(tag));
  if (unsafeTag !== undefined) {
    throw new ValidationError([{ where: `flow "${doc.name}"`, field: 'metaflow.tags', value: unsafeTag, message: 'a run tag travels unquoted in every step command and may not hold spaces, quotes or shell characters', fix: 'use letters, digits and ":-_./@", e.g. "user:alice"' }]);
  }

  const defaultQueue = infra.queues.find((q) => q.name === infra.defaultQueueName);
  const deployment: MetaflowDeployment = {
    region: stack.region,
    datastoreRoot: infra.datastore.sysroot,
    ...metadataSettings(infra, options),
    ...(options.tags !== undefined && options.tags.length > 0 ? { tags: options.tags } : {}),
    ...(runtime.configs !== undefined ? { configNames: Object.keys(runtime.configs) } : {}),
    // No METAFLOW_S3_SERVER_SIDE_ENCRYPTION on a KMS datastore: `aws:kms` without a key id would encrypt with the
    // account's aws/s3 key, not the datastore's; without the header the bucket's default key applies.
    ...(usesSecrets ? { secretsBackendType: 'aws-secrets-manager', secretsManagerRegion: stack.region } : {}),
    dynamoDbTable: infra.coordinationTable.tableName,
    stateMachineName: input.stateMachineName,
    owner: options.owner ?? 'metaflow-cdk',
    productionToken,
    ...(options.metaflowVersion !== undefined ? { metaflowVersion: options.metaflowVersion } : {}),
    codePackage: {
      url: `s3://${asset.s3BucketName}/${asset.s3ObjectKey}`,
      sha,
      format: 'tgz',
      metadata: METAFLOW_V0_CODE_METADATA,
      datastoreUrl: contentAddressedUrl(infra.datastore.sysroot, doc.name, sha),
    },
    batchDefaults: { image: input.image ?? '', queue: defaultQueue?.queue.jobQueueArn ?? infra.defaultQueueName, iamRole: jobRole.roleArn },
    ...(doc.workflowTimeoutSeconds !== undefined ? { workflowTimeoutSeconds: doc.workflowTimeoutSeconds } : {}),
  };
  const codePackageSource: CodePackageSource = {
    directory: path.relative(outdir, directory) || '.',
    flowFile: runtime.flowFile,
    contentHash,
    ...(options.packageSuffixes?.length ? { suffixes: options.packageSuffixes } : {}),
  };
  return { asset, deployment, staticBatchSteps: staticBatchSteps(flowPath, { flowClass: runtime.flowClass }), retryDelayMinutes: runtime.retryDelayMinutes ?? {}, codePackageSource };
}

/**
 * The code package as Metaflow builds it (`codePackageFiles`), in Metaflow's own tgz layout (`codePackageTarball`), as
 * a single-file asset: only the package's files are read, so neither an app's `node_modules` nor an output folder
 * inside the flow's directory is walked or shipped. The asset hash derives from the tarball's sha1, so a changed file,
 * `INFO` or config value ships a new package.
 */
function codePackageAsset(scope: Construct, directory: string, suffixes: readonly string[] | undefined, info: MetaflowPackageInfo, configs: FlowConfigs | undefined): { asset: s3assets.Asset; sha: string; contentHash: string; outdir: string } {
  const outdir = path.resolve(Stage.of(scope)?.outdir ?? '.');
  const files = codePackageFiles(directory, { suffixes, excludeDirs: [outdir] });
  const contentHash = codePackageHash(files);
  const tarball = codePackageTarball(files, info, configs);
  const asset = new s3assets.Asset(scope, 'Code', {
    path: directory,
    // CDK stages it as asset.<sha256 of this and the bundling options>.tgz: the sha1 cannot be the asset hash itself.
    assetHash: tarball.sha,
    assetHashType: AssetHashType.CUSTOM,
    bundling: {
      // never run: the local bundling below always succeeds
      image: DockerImage.fromRegistry('metaflow-cdk-code-package'),
      outputType: BundlingOutput.SINGLE_FILE,
      local: { tryBundle: (outputDir) => (fs.writeFileSync(path.join(outputDir, 'code-package.tgz'), tarball.bytes), true) },
    },
  });
  return { asset, sha: tarball.sha, contentHash, outdir };
}

/**
 * The metadata provider of the tasks, as `step-functions create` sets it from the deployer's config: a service named
 * in the flow's options wins; else the infrastructure's service (jobs call its internal URL; its API key, if any,
 * reaches them as a Batch secret, see `metadataServiceJobSettings`); else local metadata.
 */
function metadataSettings(infra: IMetaflowInfrastructure, options: MetaflowRuntimeOptions): Pick<MetaflowDeployment, 'metadata' | 'serviceUrl' | 'serviceHeaders' | 'serviceHeadersSecret'> {
  if (options.serviceUrl !== undefined) {
    return { metadata: 'service', serviceUrl: options.serviceUrl, ...(options.serviceHeaders !== undefined ? { serviceHeaders: options.serviceHeaders } : {}) };
  }
  const service = infra.metadataService;
  if (service === undefined) return { metadata: 'local' };
  return { metadata: 'service', serviceUrl: service.internalUrl ?? service.url, ...(service.headersSecret ? { serviceHeadersSecret: true } : {}) };
}

/**
 * `@secrets` sources, granted to the flow's job role only: secrets of the infrastructure by any of their names, other
 * names by their ARN pattern (in the source's region if it names one). A source read through `role=` is not granted:
 * the job role may assume exactly that role, and that role's own policy decides what it reads.
 */
function grantStepSecrets(scope: Construct, input: MetaflowRuntimeInput): boolean {
  const runtime = input.doc.runtime?.kind === 'metaflow' ? input.doc.runtime : undefined;
  const sources = [...input.plan.graph.nodes.values()].flatMap((n) => (n.step.secrets ?? []).map((id) => ({ id, access: runtime?.secretAccess?.[n.name]?.[id] ?? {} })));
  if (sources.length === 0) return false;
  const stack = Stack.of(scope);
  const known = secretsByName(input.infrastructure.secrets);
  const resources = new Set<string>();
  const roles = new Set<string>();
  for (const { id, access } of sources) {
    if (access.role !== undefined) {
      roles.add(access.role);
      continue;
    }
    const secret = known.get(id);
    if (secret) grantSecretsRead(input.jobRole, [secret]);
    else resources.add(id.startsWith('arn:') ? id : stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${id}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME, ...(access.region ? { region: access.region } : {}) }));
  }
  if (resources.size > 0) input.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FlowSecrets', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [...resources] }));
  if (roles.size > 0) input.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AssumeSecretsRoles', actions: ['sts:AssumeRole'], resources: [...roles] }));
  return true;
}

/**
 * The state machine reads each foreach's cardinality from the coordination table and, when a foreach runs as an
 * inline Map, writes its join order there (`lib/runtime/metaflow/inline-foreach-order.ts`).
 */
export function grantMetaflowStateMachine(role: iam.IRole, infra: IMetaflowInfrastructure, options: { writesJoinOrder?: boolean } = {}): void {
  infra.coordinationTable.grant(role, 'dynamodb:GetItem', ...(options.writesJoinOrder === true ? ['dynamodb:PutItem'] : []));
  const key = infra.coordinationTable.encryptionKey;
  if (key) key.grantDecrypt(role);
}
