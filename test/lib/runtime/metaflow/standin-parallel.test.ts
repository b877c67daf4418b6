import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeFlow } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import type { MetaflowEnvEntry } from '../../../../lib/runtime/metaflow/environment';
import { metaflowParallelStepOptions, metaflowParallelSubmitJob } from '../../../../lib/runtime/metaflow/parallel-step';
import { runStandinStep } from '../../../../lib/runtime/metaflow/standin';
import { metaflowSubmitJob } from '../../../../lib/runtime/metaflow/submit-job';
import { recorded } from './fixture-deployment';

// The stand-in refuses what Metaflow's runtime would trip over on a multi-node @parallel step: the commands Metaflow's
// own Step Functions compiler would give these steps, a job that is not multi-node, wrong node ids, a control task whose
// workers never finish, a join that misses a mapper task.

const FLOW_DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'metaflow', 'parallel_flow');
const graph = analyzeFlow(importPythonFlow(path.join(FLOW_DIR, 'flow.py')));
const deployment = { ...recorded('linear_flow').deployment, metadata: 'service' as const };
const refs = { jobDefinition: 'jd', jobQueue: 'q' };
const RUN = 'exec-1';
const SPLIT_TASK = 'split-job';

let datastore: string;
beforeEach(() => {
  datastore = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-standin-parallel-'));
  const split = path.join(datastore, 'ParallelFlow', `sfn-${RUN}`, 'start', SPLIT_TASK);
  fs.mkdirSync(split, { recursive: true });
  fs.writeFileSync(path.join(split, 'task.json'), JSON.stringify({ pathspec: `ParallelFlow/sfn-${RUN}/start/${SPLIT_TASK}`, foreach_stack: [], parallel_width: 3 }));
});
afterEach(() => fs.rmSync(datastore, { recursive: true, force: true }));

/** The job environment with the state's JSONPaths resolved as Step Functions would, for input `{JobId, Parameters}`. */
function envOf(entries: readonly MetaflowEnvEntry[], parentJobId: string, extra: Record<string, string>): Record<string, string> {
  const paths: Record<string, string> = { '$.JobId': parentJobId, "$.Parameters['metaflow.run_id']": RUN, "$.Parameters.['metaflow.run_id']": RUN, '$$.Execution.Name': RUN };
  const env: Record<string, string> = {};
  for (const e of entries as Array<{ Name: string; Value?: string; 'Value.$'?: string }>) env[e.Name] = e.Value ?? paths[e['Value.$']!] ?? '';
  return { ...env, AWS_BATCH_JOB_ATTEMPT: '1', MFCDK_STANDIN_DATASTORE_DIR: datastore, MFCDK_STANDIN_PARALLEL_WAIT_SECONDS: '1', ...extra };
}

const multinode = (job: string, node: number, nodes = 3) => ({ AWS_BATCH_JOB_ID: `${job}#${node}`, AWS_BATCH_JOB_NODE_INDEX: String(node), AWS_BATCH_JOB_NUM_NODES: String(nodes) });

function trainNode(node: number, extra: Record<string, string>) {
  const job = metaflowParallelSubmitJob(graph, 'train', deployment, refs);
  const overrides = job.NodeOverrides.NodePropertyOverrides[node === 0 ? 0 : 1].ContainerOverrides;
  return runStandinStep({ script: overrides.Command[2], env: envOf(overrides.Environment, SPLIT_TASK, extra), codeDir: FLOW_DIR });
}

const trainTasks = () => fs.readdirSync(path.join(datastore, 'ParallelFlow', `sfn-${RUN}`, 'train')).sort();

describe('the stand-in on a @parallel step', () => {
  test('workers then control: ids, UBF contexts, split indexes and the mapper tasks Metaflow derives', async () => {
    expect(await trainNode(1, multinode('J', 1))).toEqual({ exitCode: 0, stderr: '' });
    expect(await trainNode(2, multinode('J', 2))).toEqual({ exitCode: 0, stderr: '' });
    expect(await trainNode(0, multinode('J', 0))).toEqual({ exitCode: 0, stderr: '' });
    expect(trainTasks()).toEqual(['J', 'J-node-1', 'J-node-2']);
    const control = JSON.parse(fs.readFileSync(path.join(datastore, 'ParallelFlow', `sfn-${RUN}`, 'train', 'J', 'task.json'), 'utf-8'));
    expect(control.control_mapper_tasks).toEqual([`sfn-${RUN}/train/J`, `sfn-${RUN}/train/J-node-1`, `sfn-${RUN}/train/J-node-2`]);
  });

  test('a control task whose workers never finish fails as Metaflow does', async () => {
    const result = await trainNode(0, multinode('J', 0));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/Batch secondary workers did not finish: the step has 1 task\(s\) for 3 mapper tasks/);
  });

  test('refuses a node whose AWS_BATCH_JOB_ID is not <job id>#<node>, and a job of the wrong width', async () => {
    const noHash = await trainNode(1, { ...multinode('J', 1), AWS_BATCH_JOB_ID: 'J' });
    expect(noHash.stderr).toMatch(/has AWS_BATCH_JOB_ID J, not <job id>#1/);
    const narrow = await trainNode(1, multinode('J', 1, 2));
    expect(narrow.stderr).toMatch(/2 nodes but the split asked num_parallel=3/);
  });

  test("refuses the command Metaflow's own compiler would give the step (single-node job, no --ubf-context)", async () => {
    const plain = metaflowSubmitJob(graph, 'train', deployment, refs).ContainerOverrides;
    const onNode = await runStandinStep({ script: plain.Command[2], env: envOf(plain.Environment, SPLIT_TASK, multinode('J', 0)), codeDir: FLOW_DIR });
    expect(onNode.stderr).toMatch(/multi-node job but its command has no --ubf-context/);
    const parallel = metaflowParallelSubmitJob(graph, 'train', deployment, refs).NodeOverrides.NodePropertyOverrides[0].ContainerOverrides;
    const single = await runStandinStep({ script: parallel.Command[2], env: envOf(parallel.Environment, SPLIT_TASK, { AWS_BATCH_JOB_ID: 'J' }), codeDir: FLOW_DIR });
    expect(single.stderr).toMatch(/is a @parallel step \(--ubf-context ubf_control\) but does not run as a multi-node job/);
  });

  test('refuses step_functions_internal on the num_parallel split (it would save range(None))', async () => {
    const metaflows = metaflowSubmitJob(graph, 'start', deployment, refs).ContainerOverrides;
    const result = await runStandinStep({ script: metaflows.Command[2], env: envOf(metaflows.Environment, '', { AWS_BATCH_JOB_ID: 'S' }), codeDir: FLOW_DIR });
    expect(result.stderr).toMatch(/num_parallel split: step_functions_internal would save range\(None\)/);
    const ours = metaflowSubmitJob(graph, 'start', deployment, refs, metaflowParallelStepOptions(graph, 'start', deployment)).ContainerOverrides;
    // another job: the refused attempt above already used retry count 0 of task S
    expect(await runStandinStep({ script: ours.Command[2], env: envOf(ours.Environment, '', { AWS_BATCH_JOB_ID: 'S2' }), codeDir: FLOW_DIR })).toEqual({ exitCode: 0, stderr: '' });
  });

  test("refuses a join that does not get every mapper task (Metaflow's compiler would pass only the control task)", async () => {
    for (const node of [1, 2, 0]) expect((await trainNode(node, multinode('J', node))).exitCode).toBe(0);
    const metaflows = metaflowSubmitJob(graph, 'gather', deployment, refs).ContainerOverrides;
    const short = await runStandinStep({ script: metaflows.Command[2], env: envOf(metaflows.Environment, 'J', { AWS_BATCH_JOB_ID: 'G1' }), codeDir: FLOW_DIR });
    expect(short.stderr).toMatch(/the join's inputs .* are not the control task's _control_mapper_tasks/);
    const ours = metaflowSubmitJob(graph, 'gather', deployment, refs, metaflowParallelStepOptions(graph, 'gather', deployment)).ContainerOverrides;
    expect(await runStandinStep({ script: ours.Command[2], env: envOf(ours.Environment, 'J', { AWS_BATCH_JOB_ID: 'G2' }), codeDir: FLOW_DIR })).toEqual({ exitCode: 0, stderr: '' });
  });
});
