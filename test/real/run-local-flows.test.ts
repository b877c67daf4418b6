import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../lib/cli/capture';
import { METAFLOW_FIXTURES } from '../support/fixtures';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { flowJobWritePatterns } from '../../lib/infrastructure/datastore-rules';
import { datastoreKeys, engineRunArtifacts, realRunArgs, referenceRun, runIdOf, synthesizeFlows } from './support/metaflow-runs';

// Every fixture flow and the README's Python example, run by `metaflow-cdk run --local` with the real Metaflow in
// every task (no stand-in), against `python flow.py --datastore=local run` of the same file: the run succeeds and the
// `end` step's artifacts are equal. foreach_flow and nested_foreach_flow assert the split order in their joins.

const REPO = path.resolve(__dirname, '..', '..');
const fixture = (name: string): string => path.join(METAFLOW_FIXTURES, name, 'flow.py');

interface Case {
  readonly flow: string;
  readonly file: string;
  /** `name=value` parameters given to both runs. */
  readonly params?: readonly string[];
}

const CASES: readonly Case[] = [
  { flow: 'LinearAnchorFlow', file: fixture('linear_flow') },
  { flow: 'BranchAnchorFlow', file: fixture('branch_flow') },
  { flow: 'ForeachAnchorFlow', file: fixture('foreach_flow') },
  { flow: 'NestedForeachAnchorFlow', file: fixture('nested_foreach_flow') },
  { flow: 'ParamsAnchorFlow', file: fixture('params_flow'), params: ['greeting=hi', 'repeat=2', 'config={"depth": 7}'] },
  { flow: 'RetryCatchTimeoutAnchorFlow', file: fixture('retry_catch_timeout_flow') },
  { flow: 'BatchResourcesAnchorFlow', file: fixture('batch_resources_flow') },
  { flow: 'RankingFlow', file: path.join(REPO, 'examples', 'python', 'ranking_flow.py'), params: ['markets=["de", "fr", "us", "jp"]'] },
  // Switches: at the top, in a branch and in a foreach (mode=branch), and the recursive loop (mode=loop).
  { flow: 'SwitchFlow', file: fixture('switch_flow') },
  { flow: 'SwitchFlow', file: fixture('switch_flow'), params: ['mode=loop'] },
];

describeWithRealMetaflow('Python flows under run --local with the real Metaflow', (real) => {
  let work: string;
  let cdkOut: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-'));
    cdkOut = path.join(work, 'cdk.out');
    synthesizeFlows(cdkOut, [...new Set(CASES.map((c) => c.file))]);
  }, 300_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each(CASES.map((c) => ({ ...c, name: [c.flow, ...(c.params ?? [])].join(' ') })))('$name: the run succeeds and its end artifacts equal those of python flow.py run', async ({ flow, file, params = [] }) => {
    const runRoot = path.join(work, 'runs', flow, String(params.length > 0 ? params.join('_').replace(/[^\w=-]/g, '') : 'defaults'));
    const args = realRunArgs(real(), flow, cdkOut, runRoot);
    const [engine, reference] = await Promise.all([
      captureCli([...args, ...params.flatMap((p) => ['-p', p])]),
      referenceRun(real(), file, flow, params.flatMap((p) => [`--${p.split('=')[0]}`, p.slice(p.indexOf('=') + 1)]), work),
    ]);
    expect({ code: engine.code, out: engine.code === 0 ? '' : engine.stdout + engine.stderr }).toEqual({ code: 0, out: '' });
    expect(engine.stdout).toMatch(/SUCCEEDED/);
    const runId = runIdOf(engine.stdout)!;
    const ours = await engineRunArtifacts(real(), runRoot, flow, runId);
    expect(ours.successful).toBe(true);
    expect(reference.successful).toBe(true);
    expect(ours.artifacts).toEqual(reference.artifacts);
    // On AWS the flow's job role may write only these prefixes (the fan-out function writes item manifests under
    // its own): everything the real Metaflow wrote is within them.
    const writable = [...flowJobWritePatterns(flow), `_metaflow-cdk/${flow}/*`].map((pattern) => `metaflow/${pattern.slice(0, -1)}`);
    const keys = datastoreKeys(runRoot);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !writable.some((prefix) => key.startsWith(prefix)))).toEqual([]);
  }, 900_000);
});
