import { Executions } from '../../../../lib/local/asl/executions';
import { loadInterpreter } from '../../../../lib/local/asl/interpreter';
import type { AslDefinition } from '../../../../lib/local/asl/prepare';

const twoStates: AslDefinition = { StartAt: 'a', States: { a: { Type: 'Pass', Next: 'b' }, b: { Type: 'Task', Resource: 'arn:aws:states:::x', End: true } } };

describe('Executions', () => {
  const { StateMachine } = loadInterpreter();

  test('counts the states entered by counted executions only, and reports each count', async () => {
    const seen: number[] = [];
    const executions = new Executions(StateMachine, { b: async (input) => input }, (n) => seen.push(n));
    const root = executions.start(twoStates, { x: 1 }, {});
    expect(await root.result).toEqual({ x: 1 });
    await root.tracked;
    await executions.run(twoStates, {}, {}, false);
    await executions.run(twoStates, {}, {});
    await new Promise((r) => setImmediate(r));
    expect(executions.transitions).toBe(4);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  test('a nested execution fails with the error of its state, not the wrapping ExecutionError', async () => {
    const failing = async (): Promise<never> => {
      throw Object.assign(new Error('job failed'), { name: 'States.TaskFailed' });
    };
    const executions = new Executions(StateMachine, { b: failing });
    await expect(executions.run(twoStates, {}, {})).rejects.toMatchObject({ name: 'States.TaskFailed', message: 'job failed' });
  });
});
