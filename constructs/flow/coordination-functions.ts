import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeWildcardResource } from '../security/acknowledgements';

/** CloudFormation Metadata key naming a function's handler, so the local engine can call it in-process. */
export const HANDLER_METADATA_KEY = 'metaflow-cdk:handler';

/** The source of a handler in `lambda/`: `.ts` in the repository, `.js` once compiled to `dist/`. */
export function handlerEntry(file: string): string {
  const base = path.join(__dirname, '..', '..', 'lambda', file);
  return fs.existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.js`;
}

/**
 * This package's root and lock file, when it has one (a repository checkout): bundling then does not depend on the
 * directory the CDK app runs from. An installed package has no lock file; NodejsFunction then finds the app's own.
 */
function bundlingRoot(): { projectRoot: string; depsLockFilePath: string } | undefined {
  const root = path.join(__dirname, '..', '..');
  const lockFile = path.join(root, 'package-lock.json');
  return fs.existsSync(lockFile) ? { projectRoot: root, depsLockFilePath: lockFile } : undefined;
}

let bundleHash: string | undefined;

/**
 * Hash of the sources the coordination bundle is built from (`lambda/`, `lib/compile/`, `lib/runtime/`). Given to
 * CDK as the asset hash, so a synth whose output directory already holds this bundle (`cdk.out`) skips esbuild.
 */
export function coordinationSourceHash(): string {
  if (bundleHash !== undefined) return bundleHash;
  const root = path.join(__dirname, '..', '..');
  const hash = crypto.createHash('sha256');
  const visit = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) hash.update(entry.name).update(fs.readFileSync(full));
    }
  };
  for (const dir of ['lambda', path.join('lib', 'compile'), path.join('lib', 'runtime')]) visit(path.join(root, dir));
  bundleHash = hash.digest('hex');
  return bundleHash;
}

/** The bundle every coordination function runs (`lambda/coordination.ts`): one esbuild run per synth. */
export const COORDINATION_BUNDLE = 'coordination';

export interface CoordinationFunctionProps {
  /** Export of `lambda/coordination.ts` the function runs, e.g. `fanout`. */
  readonly handler: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /** KMS key of the log group; without one the log group uses CloudWatch's own encryption. */
  readonly logEncryptionKey?: kms.IKey;
}

export const LOGS_WITHOUT_KMS_REASON =
  'Coordination Lambda logs hold what these functions print (step names, run ids, foreach widths and error messages), not artifacts; CloudWatch Logs encrypts them at rest with its own keys. Pass logEncryptionKey to use a KMS key you control.';
/** Execution logs are written at level ALL with execution data: every state's input and output. */
export const EXECUTION_LOGS_WITHOUT_KMS_REASON =
  'Execution logs record every state\'s input and output (level ALL with execution data): run parameters as given, run and task ids, S3 paths and Batch job descriptions. CloudWatch Logs encrypts them at rest with its own keys and access is by IAM; pass logEncryptionKey to encrypt them with a KMS key you control, or keep secrets out of parameters.';
export const LAMBDA_OUTSIDE_VPC_REASON =
  'Coordination functions call only the S3 and DynamoDB APIs of this flow; the infrastructure contract has no VPC to place them in.';

/**
 * A coordination Lambda: bundled by esbuild (no Docker), the runtime's own SDK v3, its own log group and a role
 * with nothing but log writing until the flow grants it more. All of them share one bundle, so CDK bundles once.
 */
export class CoordinationFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CoordinationFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}) });
    if (!props.logEncryptionKey) acknowledgeGuardRule(this.logGroup, 'cloudwatch_log_group_encrypted_check', LOGS_WITHOUT_KMS_REASON);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: props.description,
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
    });
    const streams = `${this.logGroup.logGroupArn}:log-stream:*`;
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn, streams] }));
    acknowledgeWildcardResource(this.role, streams, ['logs:CreateLogStream', 'logs:PutLogEvents'], 'log stream names are chosen by Lambda at run time; the group is this function\'s own');
    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(COORDINATION_BUNDLE),
      ...bundlingRoot(),
      handler: props.handler,
      runtime: lambda.Runtime.NODEJS_LATEST,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      description: props.description,
      environment: props.environment,
      role: this.role,
      logGroup: this.logGroup,
      bundling: { minify: true, sourceMap: false, target: 'node22', externalModules: ['@aws-sdk/*'], assetHash: coordinationSourceHash() },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, `lambda/${COORDINATION_BUNDLE}.ts#${props.handler}`);
    acknowledgeGuardRule(this.function, 'lambda_inside_vpc_check', LAMBDA_OUTSIDE_VPC_REASON);
  }
}
