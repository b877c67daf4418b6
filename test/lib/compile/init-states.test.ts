import { INIT_STATES, alwaysPresent, initStates, missingParameterState } from '../../../lib/compile/init-states';
import { flow, runLocally, step } from './helpers';

const doc = flow('P', [step('start', ['end']), step('end', [])], {
  parameters: [
    { name: 'alpha', type: 'string', required: true },
    { name: 'beta', type: 'number', default: 2 },
    { name: 'gamma', type: 'string' },
  ],
});

/** The init states followed by a Pass that ends the run, so the output is the payload every step starts from. */
function machine(retrying: string[] = []): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const { startAt, states } = initStates(doc, 'Done', retrying);
  return { StartAt: startAt, States: { ...states, Done: { Type: 'Pass', End: true } } };
}

describe('init states', () => {
  it('merges defaults, keeps trigger and user, and names the run sfn-<execution>', async () => {
    const { output } = await runLocally(machine(['train']), { Parameters: { alpha: 'a', beta: 5 }, Trigger: { bucket: 'b', key: 'k' }, User: 'ana' }, () => ({}), 'abc');
    expect(output).toEqual({
      run: { id: 'sfn-abc', parameters: { alpha: 'a', beta: 5 }, trigger: { bucket: 'b', key: 'k' }, user: 'ana' },
      path: '1',
      retries: { train: { n: 0 } },
    });
  });

  it('fills a missing Trigger and User, and applies defaults for parameters not given', async () => {
    const { output } = await runLocally(machine(), { Parameters: { alpha: 'a' } }, () => ({}));
    expect(output).toMatchObject({ run: { parameters: { alpha: 'a', beta: 2 }, trigger: { bucket: '', key: '' }, user: 'unknown' } });
  });

  it('fails with MissingParameter naming a required parameter when it is absent', async () => {
    await expect(runLocally(machine(), {}, () => ({}))).rejects.toThrow();
    expect(machine().States[missingParameterState('alpha')]).toMatchObject({ Type: 'Fail', Error: 'MissingParameter' });
    expect(String((machine().States[missingParameterState('alpha')] as { Cause: string }).Cause)).toContain('--param alpha=VALUE');
  });

  it('skips the check when no parameter is required', () => {
    const { states } = initStates(flow('Q', [step('start', ['end']), step('end', [])]), 'start');
    expect(states[INIT_STATES.check]).toBeUndefined();
    expect(alwaysPresent({ name: 'x', type: 'string' })).toBe(false);
    expect(alwaysPresent({ name: 'x', type: 'string', default: '' })).toBe(true);
  });

  test("a required parameter's long name still makes a state name within Step Functions' 80 characters", () => {
    const name = `p_${'x'.repeat(90)}`;
    expect(missingParameterState(name).length).toBeLessThanOrEqual(80);
    expect(missingParameterState(name)).not.toBe(missingParameterState(`${name}y`));
    expect(missingParameterState('alpha')).toBe('Init.missing.alpha');
  });
});
