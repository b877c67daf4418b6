import { loadInterpreter } from '../../../../lib/local/asl/interpreter';

describe('loadInterpreter', () => {
  const { StateMachine, patched } = loadInterpreter();

  test('is patched: $$.State.RetryCount counts retries, nested payload templates built in this realm resolve', async () => {
    expect(patched).toBe(true);
    const seen: unknown[] = [];
    const machine = new StateMachine(
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:states:::x',
            Parameters: { nested: { 'rc.$': "States.Format('{}', $$.State.RetryCount)", 'name.$': '$$.State.Name' } },
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 0, MaxAttempts: 2 }],
            End: true,
          },
        },
      } as never,
      { validationOptions: { noValidate: true } },
    );
    const result = await machine.run({} as never, {
      overrides: {
        taskResourceLocalHandlers: {
          A: async (input: unknown) => {
            seen.push(input);
            if (seen.length < 3) throw new Error('again');
            return input as never;
          },
        },
      },
    }).result;
    expect(seen).toEqual([0, 1, 2].map((rc) => ({ nested: { rc: String(rc), name: 'A' } })));
    expect(result).toEqual({ nested: { rc: '2', name: 'A' } });
  });

  test('returns the same class on every call', () => {
    expect(loadInterpreter().StateMachine).toBe(StateMachine);
  });
});
