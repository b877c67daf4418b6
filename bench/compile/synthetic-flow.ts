import type { FlowDocument, StepSpec } from '../../lib/graph/model';

type MutableStep = Omit<StepSpec, 'next'> & { next: string[] };

/**
 * A flow of exactly `size` steps (size >= 6) that uses every node type: repeated blocks of branch (split, 2 branches,
 * join), foreach (foreach, 2-step body, join) and linear steps between `start` and `end`. Every step runs the same
 * command, as generated steps often do, so job definitions are shared where settings agree.
 */
export function syntheticFlow(size: number, name = `Synthetic${size}`): FlowDocument {
  if (size < 6) throw new Error('a synthetic flow has at least 6 steps');
  const command = ['node', 'examples/steps/noop.mjs'];
  const steps: MutableStep[] = [{ name: 'start', next: [], command }];
  let open = steps[0];
  const push = (step: MutableStep): MutableStep => {
    steps.push(step);
    return step;
  };
  for (let i = 0; steps.length < size - 1; i++) {
    const room = size - 1 - steps.length;
    if (i % 3 === 0 && room >= 4) {
      const split = push({ name: `split_${i}`, next: [`left_${i}`, `right_${i}`], command });
      open.next = [split.name];
      push({ name: `left_${i}`, next: [`merge_${i}`], command });
      push({ name: `right_${i}`, next: [`merge_${i}`], command, memory: 8192 });
      open = push({ name: `merge_${i}`, next: [], join: true, command });
    } else if (i % 3 === 1 && room >= 4) {
      const fan = push({ name: `fan_${i}`, next: [`body_a_${i}`], foreach: 'items', command });
      open.next = [fan.name];
      push({ name: `body_a_${i}`, next: [`body_b_${i}`], command });
      push({ name: `body_b_${i}`, next: [`gather_${i}`], command, cpu: 2, memory: 8192 });
      open = push({ name: `gather_${i}`, next: [], join: true, command });
    } else {
      const step = push({ name: `step_${i}`, next: [], command });
      open.next = [step.name];
      open = step;
    }
  }
  open.next = ['end'];
  steps.push({ name: 'end', next: [], command });
  return { version: 1, name, maxNumSplits: 100_000, steps };
}
