import { buildDefinition, planFlow, stateNames } from '../../../lib/compile';
import { catchRecorderState, retryLoopStates } from '../../../lib/compile/failure-states';
import { analyzeFlow } from '../../../lib/graph/analyze';
import { OPTIONS, REFS, envOf, flow, runLocally, step } from './helpers';

const doc = flow('Retry', [step('start', ['flaky']), step('flaky', ['end'], { retry: { times: 2 } }), step('end', [])]);

describe('failure states', () => {
  it('retries without waiting when no delay is set, and fails with the step own error after the last retry', () => {
    const node = analyzeFlow(doc).nodes.get('flaky')!;
    const states = retryLoopStates(node, 'flaky', 2, false);
    expect(Object.keys(states).sort()).toEqual([stateNames.failed('flaky'), stateNames.retry('flaky'), stateNames.retryCount('flaky')].sort());
    expect(states[stateNames.failed('flaky')]).toMatchObject({ Type: 'Fail', ErrorPath: '$.caught.Error', CausePath: '$.caught.Cause' });
    expect(catchRecorderState(node, 'aws', 'fn')).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke', ResultPath: '$.caught' });
  });

  it('a step that keeps failing is tried 1 + times, same task id, then the run fails with its error', async () => {
    const def = buildDefinition(planFlow(doc, OPTIONS), REFS);
    const seen: string[] = [];
    const run = runLocally(def, {}, (state, params) => {
      if (state !== 'flaky') return { JobId: 'j' };
      seen.push(envOf({ state, input: params }).MF_RETRY_COUNT);
      throw Object.assign(new Error('exit 1'), { name: 'States.TaskFailed' });
    });
    await expect(run).rejects.toThrow(/States.TaskFailed|exit 1/);
    expect(seen).toEqual(['0', '1', '2']);
  });

  it('a step that fails once then succeeds goes on', async () => {
    const def = buildDefinition(planFlow(doc, OPTIONS), REFS);
    let failures = 0;
    const { calls } = await runLocally(def, {}, (state) => {
      if (state === 'flaky' && failures++ === 0) throw Object.assign(new Error('once'), { name: 'States.TaskFailed' });
      return { JobId: 'j' };
    });
    expect(calls.map((c) => c.state).filter((s) => s === 'flaky' || s === 'end')).toEqual(['flaky', 'flaky', 'end']);
  });
});
