import { analyzeFlow } from '../../../lib/graph';
import { METAFLOW_FOREACH_STRATEGY, METAFLOW_JOB_DEFINITION_COMMAND, metaflowPlanProblems } from '../../../lib/compile/metaflow-plan';
import { FOREACH, OPTIONS, PARALLEL } from './helpers';

const runtime = { kind: 'metaflow' as const, flowFile: 'f.py', flowClass: 'F' };

describe('metaflowPlanProblems', () => {
  it('accepts a foreach flow, and a forced strategy equal to Metaflow\'s', () => {
    const graph = analyzeFlow({ ...FOREACH, runtime });
    expect(metaflowPlanProblems(graph, OPTIONS)).toEqual([]);
    expect(metaflowPlanProblems(graph, { ...OPTIONS, foreachStrategies: { start: METAFLOW_FOREACH_STRATEGY } })).toEqual([]);
  });

  it('accepts num_parallel/@parallel (forced foreach strategies: metaflow-array-foreach.test.ts)', () => {
    expect(metaflowPlanProblems(analyzeFlow({ ...PARALLEL, runtime }), OPTIONS)).toEqual([]);
  });

  it('gives job definitions a command that fails loudly if nothing overrides it', () => {
    expect(METAFLOW_JOB_DEFINITION_COMMAND.slice(0, 2)).toEqual(['bash', '-c']);
    expect(METAFLOW_JOB_DEFINITION_COMMAND[2]).toMatch(/exit [1-9]/);
  });
});
