import { Problem, ValidationError } from '../errors';
import { FlowGraph, analyzeFlow, findTerminals } from './analyze';
import { documentShapeProblems } from './document/parse';
import { FlowDocument } from './model';
import { checkEmptyForeaches, checkMergesAreJoins, checkParallel, checkSplitJoinBalance } from './rules/balance';
import { Rule, createContext } from './rules/context';
import { checkStepNames, checkTerminalSteps } from './rules/step-names';
import { checkFlowFields } from './rules/flow-fields';
import { checkParameters } from './rules/parameters';
import { checkSchedule } from './rules/schedule';
import { checkStepSettings } from './rules/steps';
import { checkAcyclic, checkReachable, checkSwitches, checkTransitions } from './rules/transitions';

/** Rules on the transitions themselves; the graph rules trust them only when these find nothing. */
const TRANSITION_RULES: readonly Rule[] = [checkTerminalSteps, checkTransitions, checkSwitches, checkAcyclic];

/**
 * Rules over the analysed graph that assume known steps, no loops and sound transitions. A broken transition
 * leaves later steps unreachable; reporting them too would bury the one mistake.
 */
const GRAPH_RULES: readonly Rule[] = [checkReachable, checkMergesAreJoins, checkSplitJoinBalance, checkEmptyForeaches, checkParallel];

/** Rules that hold whatever the shape of the graph. */
const INDEPENDENT_RULES: readonly Rule[] = [
  checkFlowFields,
  checkStepNames,
  checkStepSettings,
  checkParameters,
  checkSchedule,
];

/** What a document alone does not say, from where it is deployed. */
export interface FlowValidationOptions {
  /** Parameters the flow's schedule passes (MetaflowFlow's `scheduledParameters`). @default none */
  readonly scheduledParameters?: readonly string[];
}

/** Every problem of a flow document at once; `[]` when it is valid. */
export function validateFlow(doc: FlowDocument, options: FlowValidationOptions = {}): Problem[] {
  // A document built in JavaScript reaches here unchecked by TypeScript or a JSON parse; the rules trust its shape.
  const shape = documentShapeProblems(doc);
  if (shape.length > 0) return shape;
  doc = withTransitions(doc);
  const terminals = findTerminals(doc);
  const graph = terminals.start !== undefined && terminals.end !== undefined ? analyzeFlow(doc) : undefined;
  const ctx = createContext(doc, graph, options.scheduledParameters);
  const transitionProblems = TRANSITION_RULES.flatMap((rule) => rule(ctx));
  return [
    ...INDEPENDENT_RULES.flatMap((rule) => rule(ctx)),
    ...transitionProblems,
    ...(graph && transitionProblems.length === 0 ? GRAPH_RULES.flatMap((rule) => rule(ctx)) : []),
  ];
}

/**
 * The problems of the flow's fields, steps' settings, parameters and schedule, whatever the shape of its graph: what
 * can be judged of a document whose transitions did not all read.
 */
export function validateFlowSettings(doc: FlowDocument): Problem[] {
  const ctx = createContext(doc, undefined);
  return INDEPENDENT_RULES.flatMap((rule) => rule(ctx));
}

/** The analysed graph of a valid flow; throws one `ValidationError` with every problem otherwise. */
export function assertValidFlow(doc: FlowDocument, options: FlowValidationOptions = {}): FlowGraph {
  const problems = validateFlow(doc, options);
  if (problems.length > 0) throw new ValidationError(problems);
  return analyzeFlow(withTransitions(doc));
}

/** A document built in JavaScript may leave out a step's `next`, as a JSON file may: it then has none. */
function withTransitions(doc: FlowDocument): FlowDocument {
  if (doc.steps.every((step) => step.next !== undefined)) return doc;
  return { ...doc, steps: doc.steps.map((step) => (step.next === undefined ? { ...step, next: [] } : step)) };
}
