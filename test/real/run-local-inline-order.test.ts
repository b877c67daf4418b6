import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureCli } from '../lib/cli/capture';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { engineRunArtifacts, realRunArgs, runIdOf, synthesizeFlows, synthesizedDefinition } from './support/metaflow-runs';

// An 8-wide foreach that runs as Metaflow's inline Map (its body waits between retries), with the real Metaflow in
// each of its 11 tasks: the join's own assertion checks that its inputs arrive in split order (8! orders possible).

const FLOW_FILE = path.join(__dirname, 'flows', 'inline_order_flow', 'flow.py');

describeWithRealMetaflow('an inline-Map foreach under run --local with the real Metaflow', (real) => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-inline-order-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('the join gets its inputs in split order', async () => {
    const cdkOut = path.join(work, 'cdk.out');
    synthesizeFlows(cdkOut, [FLOW_FILE]);
    const definition = synthesizedDefinition(cdkOut);
    expect(definition).not.toContain('ArrayProperties');
    expect(definition).toContain('dynamodb:putItem');

    const runRoot = path.join(work, 'runs');
    const engine = await captureCli(realRunArgs(real(), 'InlineOrderFlow', cdkOut, runRoot));
    expect({ code: engine.code, out: engine.code === 0 ? '' : engine.stdout + engine.stderr }).toEqual({ code: 0, out: '' });
    const ours = await engineRunArtifacts(real(), runRoot, 'InlineOrderFlow', runIdOf(engine.stdout)!);
    expect(ours.artifacts.word).toBe("'ABCDEFGH'");
  }, 900_000);
});
