import { FLOW_TAGS } from '../../runtime/naming';
import { decodeManifest, FlowManifest } from '../../runtime/manifest';
import { LocalAssembly, LocalResource } from './assembly';
import { Json } from './tokens';

/** A flow's state machine found in a synthesized app, with its definition resolved to local stand-ins. */
export interface LocalFlow {
  readonly name: string;
  readonly stateMachine: LocalResource;
  /** The ASL definition with every CloudFormation token resolved. */
  readonly definition: { [key: string]: Json };
  /** The flow manifest from the definition's Comment, if the compiler wrote one. */
  readonly manifest?: FlowManifest;
}

/** Flow names of every state machine that carries the `metaflow-cdk:flow` metadata. */
export function listFlows(assembly: LocalAssembly): string[] {
  return flowStateMachines(assembly).map(([name]) => name).sort();
}

function flowStateMachines(assembly: LocalAssembly): Array<[string, LocalResource]> {
  return assembly
    .ofType('AWS::StepFunctions::StateMachine')
    .map((r): [string, LocalResource] | undefined => {
      const flow = r.metadata[FLOW_TAGS.flowName];
      return typeof flow === 'string' ? [flow, r] : undefined;
    })
    .filter((x): x is [string, LocalResource] => x !== undefined);
}

/** Returns undefined when no state machine of the app is the flow `name`. */
export function findFlow(assembly: LocalAssembly, name: string): LocalFlow | undefined {
  const found = flowStateMachines(assembly).find(([flow]) => flow === name);
  if (!found) return undefined;
  const stateMachine = found[1];
  const definition = resolveDefinition(assembly, stateMachine);
  const manifest = decodeManifest(typeof definition.Comment === 'string' ? definition.Comment : undefined);
  return { name, stateMachine, definition, manifest };
}

function resolveDefinition(assembly: LocalAssembly, sm: LocalResource): { [key: string]: Json } {
  const props = sm.properties;
  let text: string;
  if (props.DefinitionString !== undefined) {
    const resolved = assembly.resolve(sm.stack, props.DefinitionString);
    if (typeof resolved !== 'string') throw new Error(`state machine ${sm.logicalId}: DefinitionString did not resolve to a string`);
    text = resolved;
  } else if (props.Definition !== undefined) {
    text = JSON.stringify(assembly.resolve(sm.stack, props.Definition));
  } else {
    throw new Error(`state machine ${sm.logicalId} has neither DefinitionString nor Definition (DefinitionS3Location is not supported locally)`);
  }
  const substitutions = props.DefinitionSubstitutions ? assembly.resolve(sm.stack, props.DefinitionSubstitutions) : undefined;
  if (substitutions && typeof substitutions === 'object' && !Array.isArray(substitutions)) {
    text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      const value = substitutions[key];
      return value === undefined ? whole : String(value);
    });
  }
  return JSON.parse(text) as { [key: string]: Json };
}
