import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalFlow } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { describeWithRealMetaflow } from '../support/real-metaflow';
import { engineRunArtifacts, synthesizeFlows } from './support/metaflow-runs';

// The values a run is started with (a schedule's none, an S3 trigger's object key) reach the real Metaflow's start
// step exactly, whatever shell syntax they hold.

const FLOW_FILE = path.join(__dirname, 'flows', 'parameter_values_flow', 'flow.py');

describeWithRealMetaflow('parameter values in the start step of a Python flow', (real) => {
  let work: string;
  let assembly: LocalAssembly;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-real-params-'));
    synthesizeFlows(path.join(work, 'cdk.out'), [FLOW_FILE]);
    assembly = LocalAssembly.fromDirectory(path.join(work, 'cdk.out'));
  }, 300_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = async (name: string, parameters: Record<string, unknown>) => {
    const runRoot = path.join(work, name);
    const result = await runLocalFlow({
      assembly,
      flow: 'ParameterValuesFlow',
      cwd: work,
      runRoot,
      parameters,
      taskHost: { python: real().python, taskEnv: { PYTHONPATH: real().metaflowSrc } },
    });
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    return (await engineRunArtifacts(real(), runRoot, 'ParameterValuesFlow', result.runId)).artifacts;
  };

  test('a run started with no parameters (a schedule) gets every default, a dict default of a JSONType whole', async () => {
    const artifacts = await run('defaults', {});
    expect(artifacts).toMatchObject({
      key_hex: `'${Buffer.from('plain.csv').toString('hex')}'`,
      cfg_json: `'{"a": 1, "b": [1, 2]}'`,
      count_seen: '3',
    });
  }, 300_000);

  test('a string holding shell syntax, quotes, a newline and non-ASCII arrives as it was sent, and runs nothing', async () => {
    const marker = path.join(work, 'ran');
    const key = `incoming/$(touch ${marker})\`touch ${marker}\`$HOME "it's"\n\\n café.csv`;
    const artifacts = await run('key', { key, count: 5 });
    expect(artifacts).toMatchObject({ key_hex: `'${Buffer.from(key).toString('hex')}'`, count_seen: '5' });
    expect(fs.existsSync(marker)).toBe(false);
  }, 300_000);
});
