import { Annotations, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AslDefinition } from '../../lib/compile/asl';
import { definitionSizeProblems } from '../../lib/compile/definition-size';
import { buildDefinition } from '../../lib/compile/definition';
import { triggerProblems } from '../../lib/compile/triggers';
import { CompileOptions, ForeachStrategy } from '../../lib/compile/options';
import { FlowPlan, planFlow } from '../../lib/compile/plan';
import { ProblemCollector, ValidationError, formatProblem } from '../../lib/errors';
import type { FlowDocument } from '../../lib/graph/model';
import { scheduledParameterProblems } from '../../lib/graph/rules/parameters';
import { runValuesOf } from '../../lib/graph/parameter-values';
import { CODE_PACKAGE_METADATA_KEY } from '../../lib/runtime/metaflow/code-package';
import { metaflowParameterValues } from '../../lib/runtime/metaflow/parameter-values';
import { FLOW_TAGS, JOB_OWNER_TAG } from '../../lib/runtime/naming';
import { packageVersion } from '../../lib/package-version';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';
import { FlowSchedule } from '../triggers/flow-schedule';
import { S3UploadTrigger } from '../triggers/s3-upload-trigger';
import { CoordinationFunction, EXECUTION_LOGS_WITHOUT_KMS_REASON } from './coordination-functions';
import { flowPropKindProblems, flowPropsProblems, registerFlow } from './flow-props-rules';
import { stateMachineNameOf } from '../../lib/compile/flow-props-rules';
import { MetaflowJobRole } from '../security/job-role';
import { MetaflowExecutionRole } from '../security/execution-role';
import { secretsByName } from '../security/secret-names';
import '../security/token-paths';
import { FlowJobDefinitions } from './job-definitions';
import { FlowRole } from './flow-role';
import { metadataServiceJobSettings } from './metadata-service-jobs';
import { LAMBDA_ENV } from '../../lambda/env';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { assertOverridesFit, buildMetaflowDefinition } from '../../lib/compile/metaflow-definition';
import { BASE_JOB_DEFINITION_PREFIX, bindJobDefinitions, moveStaticOverrides } from '../../lib/compile/metaflow-job-definitions';
import type { JobDefinitionSpec } from '../../lib/compile/job-definitions';
import { grantIncludedFiles, includedFiles } from './included-files';
import { flowDocumentOf, grantMetaflowStateMachine, metaflowRuntime, type MetaflowRuntimeOptions } from './metaflow-runtime';
import { acknowledgeGuardRule, acknowledgeWildcardResource } from '../security/acknowledgements';

/** CloudFormation Metadata key on the state machine naming its flow (read by the local engine). */
export const FLOW_METADATA_KEY = 'metaflow-cdk:flow';
/** Version written to the `metaflow-cdk:version` tag. */
export const LIBRARY_VERSION = packageVersion();

/** A deployed flow: its name and the state machine that runs it. */
export interface IMetaflowFlow {
  readonly flowName: string;
  readonly stateMachine: sfn.IStateMachine;
  /** Lets `grantee` start runs of this flow. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` list, describe and stop runs of this flow. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

export interface MetaflowFlowProps {
  /** Where the flow runs: datastore, queues, roles, coordination table. */
  readonly infrastructure: IMetaflowInfrastructure;
  /**
   * The step graph (typed builder output, imported Python flow, or a JSON document).
   * @default - imported from `pythonFlowFile`; one of the two is required
   */
  readonly flow?: FlowDocument;
  /**
   * A Metaflow flow file, imported at synth (`importPythonFlow`); its directory ships as the code package.
   * @default - use `flow`
   */
  readonly pythonFlowFile?: string;
  /**
   * The FlowSpec class of `pythonFlowFile` when the file declares several.
   * @default - the file's only flow
   */
  readonly flowClass?: string;
  /**
   * Metaflow settings of an imported Python flow (owner, production token, metadata service, Metaflow version).
   * @default - see `MetaflowRuntimeOptions`
   */
  readonly metaflow?: MetaflowRuntimeOptions;
  /**
   * Container image of steps that set none.
   * @default - none: every step (or the flow's defaults) must set `image`
   */
  readonly image?: string;
  /**
   * Prefix of the state machine name: `<prefix>_<flow>`.
   * @default - the infrastructure's `stateMachinePrefix`, else no prefix
   */
  readonly stateMachineNamePrefix?: string;
  /**
   * Force a foreach strategy per foreach step.
   * @default - chosen per foreach: `array-job` for chain bodies, `inline-map` when maxNumSplits is small, else `distributed-map`
   */
  readonly foreachStrategies?: Readonly<Record<string, ForeachStrategy>>;
  /**
   * Retention of the execution and Lambda logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * KMS key that encrypts the execution and Lambda logs (its policy must let CloudWatch Logs use it).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Retries of host terminations and spot reclaims that do not count against the user's retries: extra Batch
   * attempts for generic steps, fresh jobs submitted by the state machine for Metaflow steps.
   * @default 3
   */
  readonly hostRetries?: number;
  /**
   * Parameters scheduled runs get.
   * @default - the flow's defaults only
   */
  readonly scheduledParameters?: Readonly<Record<string, unknown>>;
  /**
   * Where the flow's schedule and S3 triggers put a run they could not start (after EventBridge's retries: the state
   * machine throttled, deleted, or refused the input), instead of dropping it.
   * @default - none: such a run is lost without a trace
   */
  readonly triggerDeadLetterQueue?: sqs.IQueue;
  /**
   * Extra tags on every Batch job of the flow.
   * @default - none
   */
  readonly jobTags?: Readonly<Record<string, string>>;
  /**
   * Role the flow's Batch jobs assume. It must trust `ecs-tasks.amazonaws.com`, and gets from the flow only what is
   * the flow's own: its code package and included files. Datastore, coordination table and secrets are yours to grant
   * (`new MetaflowJobRole(scope, id, { role, datastore, coordinationTable, secrets })` adds exactly those).
   * @default - a new role for this flow's jobs only: the datastore prefix, the coordination table and the secrets this
   * flow names (or, for a Metaflow flow, the code package and its `@secrets`)
   */
  readonly jobRole?: iam.IRole;
}

/**
 * A flow on AWS: one Batch job definition per distinct step configuration, one Step Functions state machine
 * (JSONPath ASL, logs ALL, X-Ray), the coordination Lambdas, and the flow's schedule and S3 triggers.
 */
export class MetaflowFlow extends Construct implements IMetaflowFlow {
  /** A flow deployed elsewhere (another stack, or by `metaflow-cdk deploy`), by its state machine ARN. */
  static fromStateMachineArn(scope: Construct, id: string, flowName: string, stateMachineArn: string): IMetaflowFlow {
    const stateMachine = sfn.StateMachine.fromStateMachineArn(scope, id, stateMachineArn);
    return {
      flowName,
      stateMachine,
      grantStartExecution: (grantee) => stateMachine.grantStartExecution(grantee),
      grantRead: (grantee) => stateMachine.grantRead(grantee),
    };
  }

  readonly flowName: string;
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.IRole;
  /** The role this flow's Batch jobs assume (steps with `iamRole` use theirs). */
  readonly jobRole: iam.IRole;
  /** The execution role of this flow's jobs when Batch injects secrets into them: it reads exactly those secrets. */
  readonly executionRole?: iam.IRole;
  readonly logGroup: logs.LogGroup;
  /** Distinct job definitions, shared by steps with equal settings. */
  readonly jobDefinitions: readonly batch.CfnJobDefinition[];
  /** Foreach strategy per foreach step, as compiled. */
  readonly foreachStrategies: Readonly<Record<string, ForeachStrategy>>;
  /** Foreach fan-out Lambda (generic flows, and Metaflow flows with an array-job foreach; it reads the cardinality from DynamoDB). */
  readonly fanoutFunction?: CoordinationFunction;
  /** `@catch` recorder Lambda (generic flows; Metaflow's runtime records caught exceptions itself). */
  readonly catchFunction?: CoordinationFunction;
  /** The code package of a Metaflow flow: Metaflow's tgz of its directory (with `INFO`), as a single-file S3 asset. */
  readonly codeAsset?: s3assets.Asset;
  readonly schedule?: FlowSchedule;
  readonly triggers: readonly S3UploadTrigger[];
  /** What the compiler decided (steps, queues, job definition specs). */
  readonly plan: FlowPlan;
  /** The state machine definition, with CDK tokens for ARNs. */
  readonly definition: AslDefinition;
  private readonly jobDefinitionsByKey: ReadonlyMap<string, batch.CfnJobDefinition>;
  private readonly stepJobDefinitionKeys: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: MetaflowFlowProps) {
    super(scope, id);
    const kinds = flowPropKindProblems(this, props);
    if (kinds.length > 0) throw new ValidationError(kinds);
    const infra = props.infrastructure;
    const included = includedFiles(this, flowDocumentOf(this, props));
    const doc = included.doc;
    this.flowName = doc.name;
    const stack = Stack.of(this);
    const datastoreBucket = infra.datastore.bucket.bucketName;
    const datastorePrefix = infra.datastore.rootPrefix;
    const secretsByStepName = secretsByName(infra.secrets);
    const secrets = new Map([...secretsByStepName].map(([name, secret]) => [name, secret.secretArn]));
    const prefix = props.stateMachineNamePrefix ?? infra.stateMachinePrefix;
    const stateMachineName = stateMachineNameOf(prefix, doc.name);
    const options: CompileOptions = {
      queues: infra.queues.map((q) => ({ name: q.name, capabilities: q.capabilities })),
      defaultQueueName: infra.defaultQueueName,
      image: props.image,
      datastoreBucket,
      datastorePrefix,
      secrets,
      foreachStrategies: props.foreachStrategies,
      hostRetries: props.hostRetries,
      // The owner tag last, so no user tag can take another flow's jobs out of its role's reach.
      jobTags: { ...props.jobTags, [JOB_OWNER_TAG]: stateMachineName },
      scheduledParameters: Object.entries(props.scheduledParameters ?? {}).filter(([, value]) => value !== undefined).map(([name]) => name),
      ...(Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? {} : { stackEnvironment: { account: stack.account, region: stack.region } }),
      ...metadataServiceJobSettings(infra, doc, props.metaflow),
    };
    const problems = new ProblemCollector();
    problems.addAll(flowPropsProblems(this, doc.name, stateMachineName, props));
    let plan: FlowPlan | undefined;
    try {
      plan = planFlow(doc, options);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.addAll(error.problems);
    }
    problems.addAll(triggerProblems(doc.name, doc.triggers ?? [], datastoreBucket, datastorePrefix));
    problems.addAll(scheduledParameterProblems(`flow "${doc.name}"`, doc.parameters ?? [], props.scheduledParameters ?? {}, doc.schedule !== undefined));
    problems.throwIfAny();
    this.plan = plan!;
    this.foreachStrategies = this.plan.foreachStrategies;
    for (const warning of this.plan.warnings) Annotations.of(this).addWarningV2('metaflow-cdk:multiNodeOnSpot', formatProblem(warning));

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    this.jobRole = props.jobRole ?? new MetaflowJobRole(this, 'JobRole', {
      datastore: infra.datastore,
      flowName: doc.name,
      coordinationTable: infra.coordinationTable,
      permissionsBoundary: infra.permissionsBoundary,
      description: `Batch jobs of flow ${doc.name}: its datastore prefixes, coordination table, this flow's secrets`,
    }).role;
    // Secrets Batch injects (generic steps, the metadata service's API key) are read by the execution role: one of this flow's own, for exactly those.
    const injected = [...new Set(this.plan.jobDefinitions.flatMap((spec) => Object.values(spec.secrets)))];
    if (injected.length > 0) {
      this.executionRole = new MetaflowExecutionRole(this, 'ExecutionRole', {
        secrets: [...infra.secrets, ...(infra.metadataService?.headersSecret ? [infra.metadataService.headersSecret] : [])].filter((secret) => injected.includes(secret.secretArn)),
        permissionsBoundary: infra.permissionsBoundary,
        description: `Batch execution role of flow ${doc.name}: image pulls, job logs, this flow's injected secrets`,
      }).role;
    }

    const lambdaEnv = {
      [LAMBDA_ENV.flowName]: doc.name,
      [LAMBDA_ENV.bucket]: datastoreBucket,
      [LAMBDA_ENV.prefix]: datastorePrefix,
      [LAMBDA_ENV.table]: infra.coordinationTable.tableName,
      [LAMBDA_ENV.widthSource]: doc.runtime?.kind === 'metaflow' ? 'dynamodb' : 's3',
    };
    const metaflowRun = doc.runtime?.kind === 'metaflow' ? metaflowRuntime(this, { infrastructure: infra, doc, plan: this.plan, image: props.image, stateMachineName, options: props.metaflow, jobRole: this.jobRole }) : undefined;
    grantIncludedFiles(this.jobRole, included.assets);
    const coordinationFunction = (id: string, handler: 'fanout' | 'recordCatch', description: string) =>
      new CoordinationFunction(this, id, { handler, description, environment: lambdaEnv, logRetention, permissionsBoundary: infra.permissionsBoundary, logEncryptionKey: props.logEncryptionKey });
    if (metaflowRun === undefined) {
      this.fanoutFunction = coordinationFunction('ForeachFanout', 'fanout', `Foreach fan-out of flow ${doc.name}`);
      this.catchFunction = coordinationFunction('CatchRecorder', 'recordCatch', `@catch recorder of flow ${doc.name}`);
      grantCoordination(this.fanoutFunction, this.catchFunction, infra, doc.name, datastorePrefix);
    } else if (Object.values(this.foreachStrategies).includes('array-job')) {
      // A Metaflow flow needs only the fan-out, for array-job foreaches; it reads the width from the coordination table.
      this.fanoutFunction = coordinationFunction('ForeachFanout', 'fanout', `Foreach fan-out of flow ${doc.name}`);
      grantCoordinationTableRead(this.fanoutFunction, infra);
    }

    const jobQueueArn = (name: string) => infra.queues.find((q) => q.name === name)!.queue.jobQueueArn;
    const jobDefinitions = (specs: readonly JobDefinitionSpec[], stepKeys: ReadonlyMap<string, string>) =>
      new FlowJobDefinitions(this, 'JobDefinitions', { flowName: doc.name, specs, stepKeys, infrastructure: infra, jobRole: this.jobRole, executionRole: this.executionRole }).byKey;
    if (metaflowRun !== undefined) {
      this.codeAsset = metaflowRun.asset;
      const refs = { partition: stack.partition, jobDefinitionArn: (key: string) => `${BASE_JOB_DEFINITION_PREFIX}${key}`, jobQueueArn, fanoutFunctionArn: this.fanoutFunction?.function.functionArn };
      const built = buildMetaflowDefinition(this.plan, refs, metaflowRun.deployment, { staticBatchSteps: metaflowRun.staticBatchSteps, retryDelayMinutes: metaflowRun.retryDelayMinutes, checkOverridesSize: false });
      // Command, literal environment and resources live in one job definition per step; overrides carry per-run values.
      const moved = moveStaticOverrides(built, this.plan.jobDefinitions);
      assertOverridesFit(doc.name, moved.definition.States);
      this.stepJobDefinitionKeys = moved.stepJobDefinitions;
      this.jobDefinitionsByKey = jobDefinitions(moved.jobDefinitions, this.stepJobDefinitionKeys);
      this.definition = bindJobDefinitions(moved.definition, (key) => this.jobDefinitionsByKey.get(key)!.ref);
      for (const jd of this.jobDefinitionsByKey.values()) {
        Validations.of(jd).acknowledge({ id: 'CloudFormation-Validate::E1029', reason: "the ${...} in a Metaflow step's command are shell variables, expanded by bash in the job; CloudFormation substitutes only inside Fn::Sub" });
      }
    } else {
      this.stepJobDefinitionKeys = new Map([...this.plan.steps.values()].map((step) => [step.name, step.jobDefinitionKey]));
      this.jobDefinitionsByKey = jobDefinitions(this.plan.jobDefinitions, this.stepJobDefinitionKeys);
      const refs = { partition: stack.partition, jobDefinitionArn: (key: string) => this.jobDefinitionsByKey.get(key)!.ref, jobQueueArn };
      this.definition = buildDefinition(this.plan, { ...refs, fanoutFunctionArn: this.fanoutFunction!.function.functionArn, catchFunctionArn: this.catchFunction!.function.functionArn });
    }
    this.jobDefinitions = [...this.jobDefinitionsByKey.values()];

    const distributedMap = Object.values(this.foreachStrategies).includes('distributed-map');
    const role = new FlowRole(this, 'Role', {
      flowName: doc.name,
      stateMachineName,
      infrastructure: infra,
      queueNames: [...new Set([...this.plan.steps.values()].map((s) => s.queueName))],
      functions: [this.fanoutFunction, this.catchFunction].flatMap((f) => (f ? [f.function] : [])),
      distributedMap,
    });
    this.role = role.role;
    if (metaflowRun !== undefined) {
      grantMetaflowStateMachine(role.role, infra, { writesJoinOrder: Object.values(this.plan.foreachStrategies).some((s) => s !== 'array-job') });
    }
    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
    });
    if (!props.logEncryptionKey) acknowledgeGuardRule(this.logGroup, 'cloudwatch_log_group_encrypted_check', EXECUTION_LOGS_WITHOUT_KMS_REASON);
    const definitionTooLarge = definitionSizeProblems(`flow "${doc.name}"`, doc.steps.length, stack.resolve(this.definition));
    if (definitionTooLarge.length > 0) throw new ValidationError(definitionTooLarge);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(this.definition)),
      role: role.role,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      stateMachineType: sfn.StateMachineType.STANDARD,
    });
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addMetadata(FLOW_METADATA_KEY, doc.name);
    if (metaflowRun !== undefined) (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addMetadata(CODE_PACKAGE_METADATA_KEY, metaflowRun.codePackageSource);
    if (metaflowRun !== undefined) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'CloudFormation-Validate::E1029',
        reason: "the ${...} in the definition are the shell variables of Metaflow's step commands, expanded by bash in the job; CloudFormation substitutes only inside Fn::Sub",
      });
    }
    Tags.of(this.stateMachine).add(FLOW_TAGS.flowName, doc.name);
    Tags.of(this.stateMachine).add(FLOW_TAGS.libraryVersion, LIBRARY_VERSION);
    for (const [key, value] of Object.entries(doc.tags ?? {})) Tags.of(this.stateMachine).add(key, value);

    if (doc.schedule) {
      this.schedule = new FlowSchedule(this, 'Schedule', {
        stateMachine: this.stateMachine,
        schedule: doc.schedule,
        deadLetterQueue: props.triggerDeadLetterQueue,
        permissionsBoundary: infra.permissionsBoundary,
        parameters: metaflowRun === undefined ? props.scheduledParameters && runValuesOf(doc.parameters ?? [], props.scheduledParameters) : metaflowParameterValues(doc.parameters ?? [], props.scheduledParameters ?? {}),
      });
    }
    this.triggers = (doc.triggers ?? []).map(
      (trigger, i) =>
        new S3UploadTrigger(this, `S3Trigger${i}`, {
          stateMachine: this.stateMachine,
          trigger,
          flowName: doc.name,
          datastoreBucketName: datastoreBucket,
          datastorePrefix,
          deadLetterQueue: props.triggerDeadLetterQueue,
          permissionsBoundary: infra.permissionsBoundary,
        }),
    );
    registerFlow(this, doc.name, stateMachineName);
  }

  /** The job definition a step submits. */
  jobDefinitionOf(step: string): batch.CfnJobDefinition {
    const key = this.stepJobDefinitionKeys.get(step);
    if (key === undefined) throw new Error(`flow "${this.flowName}" has no step "${step}"`);
    return this.jobDefinitionsByKey.get(key)!;
  }

  /** Lets `grantee` start runs of this flow. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Lets `grantee` list, describe and stop runs of this flow. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantRead(grantee);
  }
}

/** A generic flow's fan-out reads foreach widths from S3 and writes item manifests; the catch recorder writes failures. */
function grantCoordination(fanoutFunction: CoordinationFunction, catchFunction: CoordinationFunction, infra: IMetaflowInfrastructure, flowName: string, prefix: string): void {
  const flow = { fanoutFunction, catchFunction };
  grantObjects(flow.fanoutFunction, infra, ['s3:GetObject'], `${[prefix, flowName].filter(Boolean).join('/')}/*`, 'foreach widths are written per run and task under the flow prefix');
  grantObjects(flow.fanoutFunction, infra, ['s3:PutObject'], `${[prefix, '_metaflow-cdk', flowName, 'foreach'].filter(Boolean).join('/')}/*`, 'item manifests are written per run under the flow coordination prefix');
  grantObjects(flow.catchFunction, infra, ['s3:PutObject'], `${[prefix, flowName].filter(Boolean).join('/')}/*`, 'failures are stored per run and task under the flow prefix');
}

/**
 * The fan-out of a Metaflow flow reads the cardinality item Metaflow's foreach task wrote, and creates the join-set
 * items of an array-job foreach (BatchWriteItem) with that item's ttl.
 */
function grantCoordinationTableRead(fanoutFunction: CoordinationFunction, infra: IMetaflowInfrastructure): void {
  infra.coordinationTable.grant(fanoutFunction.role, 'dynamodb:GetItem', 'dynamodb:BatchWriteItem');
  const tableKey = infra.coordinationTable.encryptionKey;
  if (tableKey) fanoutFunction.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], resources: [tableKey.keyArn] }));
}

function grantObjects(fn: CoordinationFunction, infra: IMetaflowInfrastructure, actions: string[], pattern: string, reason: string): void {
  const bucket = infra.datastore.bucket;
  const resource = bucket.arnForObjects(pattern);
  fn.role.addToPolicy(new iam.PolicyStatement({ actions, resources: [resource] }));
  const key = infra.datastore.encryptionKey;
  if (key) {
    const kmsActions = actions.some((a) => a.startsWith('s3:Get')) ? ['kms:Decrypt'] : ['kms:GenerateDataKey', 'kms:Decrypt'];
    fn.role.addToPolicy(new iam.PolicyStatement({ actions: kmsActions, resources: [key.keyArn] }));
  }
  acknowledgeWildcardResource(fn, resource, [...actions, ...(key ? ['kms:GenerateDataKey', 'kms:Decrypt'] : [])], reason);
}
