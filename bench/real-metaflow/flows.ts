/** The Python flows the benchmark runs both ways: Metaflow's own fixtures (repository-relative flow files). */
export const BENCH_FLOWS: ReadonlyArray<{ readonly flow: string; readonly file: string }> = [
  { flow: 'LinearAnchorFlow', file: 'test/fixtures/metaflow/linear_flow/flow.py' },
  { flow: 'BranchAnchorFlow', file: 'test/fixtures/metaflow/branch_flow/flow.py' },
];
