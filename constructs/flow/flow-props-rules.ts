import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { Problem } from '../../lib/errors';
import { hostRetriesProblems, jobTagsProblems } from '../../lib/compile/flow-props-rules';
import { imageProblem } from '../../lib/graph/rules/resources';
import { serviceUrlProblems } from '../../lib/infrastructure/metadata-service';
import { type PropKindSpec, propKindProblems } from '../../lib/infrastructure/prop-kinds';
import { validateStateMachinePrefix } from '../../lib/infrastructure/security-rules';
import { logRetentionProblems } from '../infrastructure/log-retention';
import type { MetaflowFlowProps } from './metaflow-flow';
import type { MetaflowRuntimeOptions } from './metaflow-runtime';

/** The props of a flow that are checked here, apart from the flow document. */
export interface CheckedFlowProps {
  readonly hostRetries?: number;
  readonly image?: string;
  readonly jobTags?: Readonly<Record<string, string>>;
  readonly stateMachineNamePrefix?: string;
  readonly metaflow?: { readonly serviceUrl?: string };
  readonly jobRole?: iam.IRole;
  readonly infrastructure: { readonly datastore: { readonly bucket: IConstruct } };
}

interface Registered {
  readonly path: string;
  readonly flowName: string;
  readonly stateMachineName: string;
  /** `account/region`, or undefined for a stack that may deploy anywhere. */
  readonly target?: string;
}

/** The flows built so far in each construct tree (an App). */
const registries = new WeakMap<IConstruct, Registered[]>();

function targetOf(flow: IConstruct): string | undefined {
  const { account, region } = Stack.of(flow);
  return Token.isUnresolved(account) || Token.isUnresolved(region) ? undefined : `${account}/${region}`;
}

/**
 * The flows of the app that may deploy to the same account and region as `flow`: the same flow in a Dev and a Prod
 * stack of other accounts collides nowhere, while a stack without an explicit account and region may meet any other.
 */
function neighboursOf(flow: IConstruct): Registered[] {
  const target = targetOf(flow);
  return (registries.get(flow.node.root) ?? []).filter((other) => target === undefined || other.target === undefined || other.target === target);
}

const INFRASTRUCTURE_FIX = 'pass the MetaflowInfrastructure (or another IMetaflowInfrastructure) the flow runs on';

const FLOW_PROP_KINDS: Readonly<Record<Exclude<keyof MetaflowFlowProps, 'logRetention'>, PropKindSpec>> = {
  infrastructure: { kind: 'object', fix: INFRASTRUCTURE_FIX },
  flow: { kind: 'object', fix: 'pass the document itself (defineFlow(...), or parseFlowDocumentJson of a JSON file\'s text), or a Metaflow flow file as pythonFlowFile' },
  pythonFlowFile: 'string',
  flowClass: 'string',
  metaflow: 'object',
  image: 'string',
  stateMachineNamePrefix: 'string',
  foreachStrategies: 'string map',
  logEncryptionKey: { kind: 'construct', fix: 'import the key, e.g. kms.Key.fromKeyArn(this, "Key", arn)' },
  hostRetries: 'number',
  scheduledParameters: 'record',
  triggerDeadLetterQueue: { kind: 'construct', fix: 'import the queue, e.g. sqs.Queue.fromQueueArn(this, "Dlq", arn)' },
  jobTags: 'string map',
  jobRole: { kind: 'construct', fix: 'import the role, e.g. iam.Role.fromRoleArn(this, "JobRole", arn): as a string no job definition would get it' },
};

const METAFLOW_OPTION_KINDS: Readonly<Record<keyof MetaflowRuntimeOptions, PropKindSpec>> = {
  owner: 'string',
  productionToken: 'string',
  metaflowVersion: 'string',
  serviceUrl: 'string',
  serviceHeaders: 'string map',
  tags: 'string list',
  // a string would be read as its characters, each a suffix: '.sql' would package every file ending in s, q or l
  packageSuffixes: { kind: 'string list', fix: 'write e.g. [".py", ".sql"], even for one suffix' },
  extensionDecorators: 'string list',
  deployTimeEvaluation: 'object',
};

/** Props of the wrong JavaScript kind, before anything reads them. */
export function flowPropKindProblems(flow: IConstruct, given: MetaflowFlowProps | undefined): Problem[] {
  const where = `MetaflowFlow ${flow.node.path}`;
  const props = given ?? ({} as MetaflowFlowProps);
  const found = [...propKindProblems(where, props, FLOW_PROP_KINDS), ...logRetentionProblems(where, 'logRetention', props.logRetention)];
  if (props.infrastructure === undefined) {
    found.push({ where, field: 'infrastructure', value: undefined, message: 'is required', fix: INFRASTRUCTURE_FIX });
  }
  if (found.length === 0 && props.metaflow !== undefined) {
    found.push(...propKindProblems(where, props.metaflow, METAFLOW_OPTION_KINDS).map((p) => ({ ...p, field: `metaflow.${p.field}` })));
  }
  return found;
}

/**
 * Problems of a flow's props: host retries out of range, an image Docker would refuse, job tags Batch would refuse, a
 * state machine prefix Step Functions would refuse, a metadata service URL that is none, a job role ECS tasks cannot
 * assume; and those that need the rest of the app: two flows of one name (their job definitions, `<flow>-<hash>`, and
 * the CLI's view of them would collide), two state machine names that are equal once cut to 80 characters.
 */
export function flowPropsProblems(flow: IConstruct, flowName: string, stateMachineName: string, props: CheckedFlowProps): Problem[] {
  const where = `MetaflowFlow ${flow.node.path}`;
  const imageFound = imageProblem({ where, field: 'image' }, props.image);
  const found: Problem[] = [
    ...hostRetriesProblems(where, props.hostRetries),
    ...(imageFound ? [imageFound] : []),
    ...jobTagsProblems(where, props.jobTags),
    ...(props.stateMachineNamePrefix !== undefined
      ? validateStateMachinePrefix(where, props.stateMachineNamePrefix).map((p) => ({ ...p, field: 'stateMachineNamePrefix' }))
      : []),
    ...(props.metaflow?.serviceUrl !== undefined ? serviceUrlProblems(where, 'metaflow.serviceUrl', props.metaflow.serviceUrl) : []),
    ...jobRoleTrustProblems(where, props.jobRole),
    ...environmentProblems(where, flow, props.infrastructure.datastore.bucket),
  ];
  const neighbours = neighboursOf(flow);
  const sameName = neighbours.find((other) => other.flowName === flowName);
  if (sameName) {
    found.push({
      where, field: 'flow name', value: flowName,
      message: `MetaflowFlow ${sameName.path} already deploys a flow of this name where this one may deploy (the same account and region, or a stack without env); their job definitions and runs would be mixed up`,
      fix: 'give one of the flows another name (the FlowSpec class name for a Python flow), or deploy them to stacks of different accounts or regions (set env on both stacks)',
    });
  }
  const sameStateMachine = neighbours.find((other) => other.stateMachineName === stateMachineName);
  if (sameStateMachine && !sameName) {
    found.push({
      where, field: 'state machine name', value: stateMachineName,
      message: `flows "${sameStateMachine.flowName}" (MetaflowFlow ${sameStateMachine.path}) and "${flowName}" get the same state machine name once it is cut to 80 characters`,
      fix: 'shorten the state machine prefix (stateMachineNamePrefix or the infrastructure\'s stateMachinePrefix) or one of the flow names',
    });
  }
  return found;
}

/**
 * A flow deploys into its infrastructure's account and region: its roles, queues and bucket are used directly, which
 * aws-cdk-lib refuses across environments with a resolution error that names no prop.
 */
function environmentProblems(where: string, flow: IConstruct, infrastructurePart: IConstruct): Problem[] {
  const flowTarget = targetOf(flow);
  const infrastructureTarget = targetOf(infrastructurePart);
  if (flowTarget === undefined || infrastructureTarget === undefined || flowTarget === infrastructureTarget) return [];
  return [{
    where, field: 'infrastructure', value: `${infrastructureTarget} (flow stack: ${flowTarget})`,
    message: 'the infrastructure is in another account or region than the flow\'s stack',
    fix: 'put the flow in a stack of the infrastructure\'s account and region (set the same env), or give that environment a MetaflowInfrastructure of its own',
  }];
}

const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

/**
 * A job role made in this app that ECS tasks cannot assume: every job would fail to start. A role imported by ARN
 * is trusted as it is.
 */
function jobRoleTrustProblems(where: string, role: iam.IRole | undefined): Problem[] {
  if (!(role instanceof iam.Role) || role.assumeRolePolicy === undefined) return [];
  const trust = JSON.stringify(Stack.of(role).resolve(role.assumeRolePolicy.toJSON()));
  if (trust.includes(ECS_TASKS_SERVICE)) return [];
  return [{
    where, field: 'jobRole', value: role.node.path,
    message: `the role does not trust ${ECS_TASKS_SERVICE}, so no Batch job could assume it`,
    fix: `create it with assumedBy: new iam.ServicePrincipal('${ECS_TASKS_SERVICE}'), or leave jobRole unset for a role of this flow's own`,
  }];
}

/** Records a flow that was built, so later flows of the app are checked against it. */
export function registerFlow(flow: IConstruct, flowName: string, stateMachineName: string): void {
  const registered = registries.get(flow.node.root) ?? [];
  registries.set(flow.node.root, registered);
  registered.push({ path: flow.node.path, flowName, stateMachineName, target: targetOf(flow) });
}
