import { buildDefinition, planFlow } from '../../../lib/compile';
import { countTransitions } from '../../../lib/compile/transitions';
import { BRANCH, FOREACH, NESTED, OPTIONS, REFS } from './helpers';

const def = (doc: Parameters<typeof planFlow>[0]) => buildDefinition(planFlow(doc, OPTIONS), REFS);

describe('countTransitions', () => {
  it('counts init, steps, fan-out states and one array Map iteration for a narrow array-job foreach', () => {
    // Init.defaults, Init.input, Init.run, start, fanout, width, waves map, chunks map, body1, body2, join, end
    expect(countTransitions(def(FOREACH), { width: 10 })).toBe(12);
    // width 1 takes the single path: no Map
    expect(countTransitions(def(FOREACH), { width: 1 })).toBe(10);
    expect(countTransitions(def(FOREACH), { width: 0 })).toBe(8);
  });

  it('stops at the max-num-splits Fail state', () => {
    expect(countTransitions(def(FOREACH), { width: 101 })).toBe(7);
  });

  it('is independent of the width for array jobs once lanes are full', () => {
    const wide = def({ ...FOREACH, maxNumSplits: 1_000_000 });
    expect(countTransitions(wide, { width: 100_000 })).toBe(countTransitions(wide, { width: 1000 }));
  });

  it('counts each Map iteration of a distributed map and both Parallel branches', () => {
    const nested = def({ ...NESTED, maxNumSplits: 1000 });
    // per item: fan, branches, x, y, inner_join = 5
    expect(countTransitions(nested, { width: 10 }) - countTransitions(nested, { width: 9 })).toBe(5);
    // init (3), start, the Parallel, a, b, join, end
    expect(countTransitions(def(BRANCH), { width: 0 })).toBe(3 + 6);
  });
});
