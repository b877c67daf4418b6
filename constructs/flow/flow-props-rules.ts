import type { IConstruct } from 'constructs';
import type { Problem } from '../../lib/errors';
import { hostRetriesProblems } from '../../lib/compile/flow-props-rules';

interface Registered {
  readonly path: string;
  readonly flowName: string;
}

/** Flows of one construct tree (an App), by flow name and by state machine name. */
const registries = new WeakMap<IConstruct, { byFlow: Map<string, Registered>; byStateMachine: Map<string, Registered> }>();

/**
 * Problems of a flow's props that need the rest of the app: two flows of one name (their job definitions, `<flow>-<hash>`,
 * and the CLI's view of them would collide), two state machine names that are equal once cut to 80 characters, and
 * host retries out of range.
 */
export function flowPropsProblems(flow: IConstruct, flowName: string, stateMachineName: string, props: { hostRetries?: number }): Problem[] {
  const where = `MetaflowFlow ${flow.node.path}`;
  const found: Problem[] = [...hostRetriesProblems(where, props.hostRetries)];
  const root = flow.node.root;
  const registry = registries.get(root) ?? { byFlow: new Map<string, Registered>(), byStateMachine: new Map<string, Registered>() };
  const sameName = registry.byFlow.get(flowName);
  if (sameName) {
    found.push({
      where, field: 'flow name', value: flowName,
      message: `MetaflowFlow ${sameName.path} already deploys a flow of this name in this app; their job definitions and runs would be mixed up`,
      fix: 'give one of the flows another name (the FlowSpec class name for a Python flow), or deploy it from another app',
    });
  }
  const sameStateMachine = registry.byStateMachine.get(stateMachineName);
  if (sameStateMachine && !sameName) {
    found.push({
      where, field: 'state machine name', value: stateMachineName,
      message: `flows "${sameStateMachine.flowName}" (MetaflowFlow ${sameStateMachine.path}) and "${flowName}" get the same state machine name once it is cut to 80 characters`,
      fix: 'shorten the state machine prefix (stateMachineNamePrefix or the infrastructure\'s stateMachinePrefix) or one of the flow names',
    });
  }
  return found;
}

/** Records a flow that was built, so later flows of the app are checked against it. */
export function registerFlow(flow: IConstruct, flowName: string, stateMachineName: string): void {
  const root = flow.node.root;
  const registry = registries.get(root) ?? { byFlow: new Map(), byStateMachine: new Map() };
  registries.set(root, registry);
  registry.byFlow.set(flowName, { path: flow.node.path, flowName });
  registry.byStateMachine.set(stateMachineName, { path: flow.node.path, flowName });
}
