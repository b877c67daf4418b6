import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { COORDINATION_BUNDLE, lambdaBundleDirectory } from './coordination-bundle';
import { acknowledgeGuardRule, acknowledgeWildcardResource } from '../security/acknowledgements';

/** CloudFormation Metadata key naming a function's handler, so the local engine can call it in-process. */
export const HANDLER_METADATA_KEY = 'metaflow-cdk:handler';

export { COORDINATION_BUNDLE } from './coordination-bundle';

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
 * A coordination Lambda: the prebuilt bundle of `lambda/coordination.ts` (no bundling at synth), the runtime's own
 * SDK v3, its own log group and a role with nothing but log writing until the flow grants it more. All of them share
 * the one bundle, so an app holds one asset however many flows it has.
 */
export class CoordinationFunction extends Construct {
  readonly function: lambda.Function;
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
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(lambdaBundleDirectory(COORDINATION_BUNDLE)),
      handler: `index.${props.handler}`,
      runtime: lambda.Runtime.NODEJS_LATEST,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      description: props.description,
      environment: props.environment,
      role: this.role,
      logGroup: this.logGroup,
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, `lambda/${COORDINATION_BUNDLE}.ts#${props.handler}`);
    acknowledgeGuardRule(this.function, 'lambda_inside_vpc_check', LAMBDA_OUTSIDE_VPC_REASON);
  }
}
