import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../lib/cli/capture';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { engineRunArtifacts, realRunArgs, referenceRun, runIdOf, synthesizeFlows, synthesizedDefinition } from './support/metaflow-runs';

// The tier's one slow test: a 100-wide foreach, compiled to a Batch array job, with the real Metaflow in each of its
// 103 tasks; its join asserts that its inputs arrive in split order.

const FLOW_FILE = path.join(__dirname, 'flows', 'wide_foreach_flow', 'flow.py');

describeWithRealMetaflow('a 100-wide array-job foreach under run --local with the real Metaflow', (real) => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-wide-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('succeeds with the end artifacts of python flow.py run', async () => {
    const cdkOut = path.join(work, 'cdk.out');
    synthesizeFlows(cdkOut, [FLOW_FILE]);
    const definition = synthesizedDefinition(cdkOut);
    expect(definition).toContain('ArrayProperties');

    const runRoot = path.join(work, 'runs');
    const [engine, reference] = await Promise.all([
      captureCli(realRunArgs(real(), 'WideForeachFlow', cdkOut, runRoot)),
      referenceRun(real(), FLOW_FILE, 'WideForeachFlow', [], work),
    ]);
    expect({ code: engine.code, out: engine.code === 0 ? '' : engine.stdout + engine.stderr }).toEqual({ code: 0, out: '' });
    expect(engine.stdout).toMatch(/square\s+100\s+100\s+0\s+0\s/);
    const ours = await engineRunArtifacts(real(), runRoot, 'WideForeachFlow', runIdOf(engine.stdout)!);
    expect(ours.artifacts).toEqual(reference.artifacts);
    expect(ours.artifacts.total).toBe(String([...Array(100).keys()].reduce((s, n) => s + n * n, 0)));
  }, 1_800_000);
});
