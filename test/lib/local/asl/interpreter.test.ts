import * as fs from 'fs';
import { InterpreterPatchError, loadInterpreter, patchInterpreterSource } from '../../../../lib/local/asl/interpreter';

describe('loadInterpreter', () => {
  const { StateMachine } = loadInterpreter();

  test('is patched: $$.State.RetryCount counts retries, nested payload templates built in this realm resolve', async () => {
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

  test('intrinsic functions resolve escapes in string literals as Step Functions does and keep backslashes and quotes of values', async () => {
    const machine = new StateMachine(
      {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Pass',
            Parameters: {
              'json.$': 'States.JsonToString($.params)',
              'formatted.$': "States.Format('\\{\"id\": \"{}\"\\}', $.id)",
              'merged.$': "States.JsonMerge($.params, States.StringToJson(States.Format('\\{\"id\": \"{}\"\\}', $.id)), false)",
              'quoted.$': "States.Format('it\\'s {} \\\\ done', $.id)",
              'path.$': "States.Format('{}', $.path)",
            },
            End: true,
          },
        },
      } as never,
      { validationOptions: { noValidate: true } },
    );
    const params = { markets: '["de", "fr"]', note: 'a\\b' };
    const result = (await machine.run({ params, id: 'j-1', path: 'C:\\data' } as never).result) as Record<string, unknown>;
    expect(JSON.parse(result.json as string)).toEqual(params);
    expect(result.formatted).toBe('{"id": "j-1"}');
    expect(result.merged).toEqual({ ...params, id: 'j-1' });
    expect(result.quoted).toBe("it's j-1 \\ done");
    expect(result.path).toBe('C:\\data');
  });

  test('returns the same class on every call', () => {
    expect(loadInterpreter().StateMachine).toBe(StateMachine);
  });

  test('a library whose patched text changed or repeats fails clearly, naming the patch and the version', () => {
    const source = fs.readFileSync(require.resolve('aws-local-stepfunctions'), 'utf8');
    expect(patchInterpreterSource(source, '3.0.0')).toContain('context.State = {');
    const changed = source.replace('const processedInput = this.processInput(input, context);', 'const processedInput = this.processInput(context, input);');
    expect(() => patchInterpreterSource(changed, '3.1.0')).toThrow(InterpreterPatchError);
    expect(() => patchInterpreterSource(changed, '3.1.0')).toThrow(/aws-local-stepfunctions 3\.1\.0 \(\$\$\.State in the context object: .* occurs 0 times, expected once\)/);
    const twice = `${source}\nfunction again(value) { return !!value && Object.getPrototypeOf(value) === Object.prototype; }`;
    expect(() => patchInterpreterSource(twice, '3.0.0')).toThrow(/plain objects of any realm: .* occurs 2 times/);
  });
});
