import { metaflowJobName, metaflowSubmitJob } from '../../../../lib/runtime/metaflow/submit-job';
import { FIXTURE_FLOWS, normaliseEnvFiles, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('submitJob parameters of %s equal Metaflow\'s', (dir) => {
  const fixture = recorded(dir);
  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s', (name, state) => {
    const ours = metaflowSubmitJob(fixture.graph, name, fixture.deployment, { jobDefinition: state.Parameters.JobDefinition, jobQueue: state.Parameters.JobQueue }, { staticBatchSteps: fixture.staticBatchSteps });
    const normalise = (p: typeof ours | typeof state.Parameters) => JSON.parse(normaliseEnvFiles(JSON.stringify(p)));
    expect(normalise(ours)).toEqual(normalise(state.Parameters));
  });
});

test('the job name can follow the project naming instead', () => {
  const fixture = recorded('linear_flow');
  expect(metaflowSubmitJob(fixture.graph, 'end', fixture.deployment, { jobDefinition: 'jd', jobQueue: 'q', jobName: 'LinearAnchorFlow-end' }).JobName).toBe('LinearAnchorFlow-end');
  expect(metaflowJobName('F', 's')).toBe('SFN-F--s--');
  // Batch takes job names of at most 128 characters
  const long = metaflowJobName(`${'L'.repeat(76)}Flow`, 's'.repeat(64));
  expect(long).toHaveLength(128);
  expect(long.startsWith(`SFN-${'L'.repeat(76)}Flow--sss`)).toBe(true);
});
