import type { Problem } from '../errors';
import type { RawClass, RawFlowFile, RawParameter, RawStep } from './reader-output';

/** The flow class of a file with the steps and parameters it inherits from FlowSpec subclasses in the same file. */
export interface ResolvedFlowClass {
  readonly cls: RawClass;
  readonly steps: readonly RawStep[];
  readonly parameters: readonly RawParameter[];
}

/**
 * Finds the one FlowSpec subclass to deploy: a class deriving from `FlowSpec` (directly or through classes of the
 * same file) that no other class of the file derives from. `flowClass` picks one when the file holds several.
 */
export function resolveFlowClass(raw: RawFlowFile, file: string, flowClass: string | undefined, problems: Problem[]): ResolvedFlowClass | undefined {
  const byName = new Map(raw.classes.map((cls) => [cls.name, cls]));
  const isFlow = (cls: RawClass, seen: Set<string> = new Set()): boolean =>
    cls.bases.some((base) => {
      if (base === 'FlowSpec') return true;
      const parent = byName.get(base);
      if (!parent || seen.has(base)) return false;
      seen.add(base);
      return isFlow(parent, seen);
    });
  const flows = raw.classes.filter((cls) => isFlow(cls));
  const bases = new Set(flows.flatMap((cls) => cls.bases));
  const leaves = flows.filter((cls) => !bases.has(cls.name));

  let chosen: RawClass | undefined;
  if (flowClass !== undefined) {
    chosen = flows.find((cls) => cls.name === flowClass);
    if (!chosen) {
      problems.push({ where: file, field: 'flowClass', value: flowClass, message: 'is not a FlowSpec subclass in this file', fix: `use one of: ${flows.map((c) => c.name).join(', ') || '(none found)'}` });
    }
  } else if (leaves.length === 1) {
    chosen = leaves[0];
  } else if (leaves.length === 0) {
    problems.push({
      where: file, field: 'class', value: raw.classes.map((c) => c.name),
      message: 'no class deriving from metaflow.FlowSpec was found',
      fix: 'point at the file that declares `class MyFlow(FlowSpec)` (a base class imported from another module cannot be read)',
    });
  } else {
    problems.push({
      where: `${file}:${leaves[1].line}`, field: 'class', value: leaves.map((c) => c.name),
      message: 'the file declares more than one FlowSpec subclass',
      fix: `keep one flow per file, or name the class to read (importPythonFlow's flowClass option; CLI: --flow-class ${leaves[0].name})`,
    });
  }
  if (!chosen) return undefined;

  // Method resolution: the class's own steps and parameters override those of its bases (left to right).
  const chain: RawClass[] = [];
  const visit = (cls: RawClass): void => {
    if (chain.includes(cls)) return;
    chain.push(cls);
    for (const base of cls.bases) {
      const parent = byName.get(base);
      if (parent && flows.includes(parent)) visit(parent);
    }
  };
  visit(chosen);
  const steps = new Map<string, RawStep>();
  const parameters = new Map<string, RawParameter>();
  for (const cls of [...chain].reverse()) {
    for (const step of cls.steps) steps.set(step.name, step);
    for (const parameter of cls.parameters) parameters.set(parameter.attribute, parameter);
  }
  return { cls: chosen, steps: [...steps.values()], parameters: [...parameters.values()] };
}
