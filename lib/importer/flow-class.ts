import * as path from 'path';
import type { Problem } from '../errors';
import type { RawClass, RawDecorator, RawFlowFile, RawParameter, RawStep } from './reader-output';

/** The flow class of a file with what it inherits from the classes of the same file. */
export interface ResolvedFlowClass {
  readonly cls: RawClass;
  readonly steps: readonly RawStep[];
  readonly parameters: readonly RawParameter[];
  /** Flow decorators of the class and its FlowSpec bases, the bases' first (Metaflow merges them so). */
  readonly decorators: readonly RawDecorator[];
  /** Bases imported from other modules (not `FlowSpec` or `object`), whose steps and parameters cannot be read. */
  readonly unreadBases: readonly string[];
}

/** Flow decorators Metaflow allows more than once on a flow and its bases. */
const REPEATABLE_FLOW_DECORATORS: ReadonlySet<string> = new Set(['exit_hook', 'airflow_external_task_sensor', 'airflow_s3_key_sensor']);

const MAIN_FIX = 'end the file with `if __name__ == "__main__":` and, indented under it, `MyFlow()` (the flow class)';

/**
 * Finds the one FlowSpec subclass to deploy: the class the file's `if __name__ == "__main__":` block runs, which is
 * what every task's `python <file> step ...` runs; else a class deriving from `FlowSpec` (directly or through classes
 * of the same file) that no other class of the file derives from. `flowClass` picks one when the file holds several.
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
  const mainFlows = raw.main ? flows.filter((cls) => raw.main!.calls.includes(cls.name)) : [];
  const mainFlow = mainFlows.length === 1 ? mainFlows[0] : undefined;

  let chosen: RawClass | undefined;
  if (flowClass !== undefined) {
    chosen = flows.find((cls) => cls.name === flowClass);
    if (!chosen) {
      problems.push({ where: file, field: 'flowClass', value: flowClass, message: 'is not a FlowSpec subclass in this file', fix: `use one of: ${flows.map((c) => c.name).join(', ') || '(none found)'}` });
    } else if (mainFlow !== undefined && mainFlow !== chosen) {
      problems.push({
        where: `${file}:${raw.main!.line}`, field: 'flowClass', value: flowClass,
        message: `the file's main block runs ${mainFlow.name}, so every task would run ${mainFlow.name}'s step, not ${flowClass}'s`,
        fix: `deploy ${mainFlow.name} (flowClass: '${mainFlow.name}'), or make the main block run ${flowClass}()`,
      });
      chosen = undefined;
    }
  } else if (mainFlow !== undefined) {
    chosen = mainFlow;
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
  if (chosen && raw.main === null) {
    problems.push({
      where: file, field: 'main block', value: 'none',
      message: `the file never runs ${chosen.name}: every task runs \`python ${path.basename(file)} step <step>\`, which would define the flow and exit without running the step`,
      fix: MAIN_FIX.replace('MyFlow()', `${chosen.name}()`),
    });
  } else if (chosen && raw.main && raw.main.calls.length === 0) {
    problems.push({ where: `${file}:${raw.main.line}`, field: 'main block', value: 'runs nothing', message: `the main block runs nothing, so no task would run ${chosen.name}'s steps`, fix: `call ${chosen.name}() in it` });
  }
  if (!chosen) return undefined;

  // Method resolution: the class's own steps and parameters override those of its bases (left to right). Metaflow finds
  // steps and parameters on every base (`dir(flow)`), mixins that do not derive from FlowSpec too.
  const chain: RawClass[] = [];
  const unreadBases: string[] = [];
  const visit = (cls: RawClass): void => {
    if (chain.includes(cls)) return;
    chain.push(cls);
    for (const base of cls.bases) {
      const parent = byName.get(base);
      if (parent) visit(parent);
      else if (base !== 'FlowSpec' && base !== 'object' && !unreadBases.includes(base)) unreadBases.push(base);
    }
  };
  visit(chosen);
  const steps = new Map<string, RawStep>();
  const parameters = new Map<string, RawParameter>();
  for (const cls of [...chain].reverse()) {
    for (const step of cls.steps) steps.set(step.name, step);
    for (const parameter of cls.parameters) parameters.set(parameter.attribute, parameter);
  }
  const decorators = flowDecoratorsOf(chain.filter((cls) => flows.includes(cls)), file, problems);
  return { cls: chosen, steps: [...steps.values()], parameters: [...parameters.values()], decorators, unreadBases };
}

/** Flow decorators along `chain` (the class first, then its bases), the bases' first; one Metaflow refuses twice is a problem. */
function flowDecoratorsOf(chain: readonly RawClass[], file: string, problems: Problem[]): RawDecorator[] {
  const ordered = [...chain.slice(1), chain[0]];
  const owner = new Map<string, RawClass>();
  const decorators: RawDecorator[] = [];
  for (const cls of ordered) {
    for (const deco of cls.decorators) {
      const first = owner.get(deco.name);
      if (first !== undefined && !REPEATABLE_FLOW_DECORATORS.has(deco.name)) {
        problems.push({
          where: `${file}:${deco.line}`, field: `@${deco.name}`, value: cls.name,
          message: `@${deco.name} is on ${first === cls ? `${cls.name} twice` : `${cls.name} and on ${first.name}`}; Metaflow refuses a flow decorator twice (DuplicateFlowDecoratorException)`,
          fix: `keep one @${deco.name}`,
        });
        continue;
      }
      owner.set(deco.name, cls);
      decorators.push(deco);
    }
  }
  return decorators;
}
