import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { metaflowStandin } from '../../lib/local/batch/command-hook';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { REPO } from './harness';
import { e2eInfrastructure } from '../support/metaflow-e2e';

// A Python flow with `self.next(self.train, num_parallel=3)` and a `@parallel` train step, synthesized by MetaflowFlow
// and run by the local engine with the protocol-faithful stand-in as every step: train runs as ONE multi-node Batch job
// whose nodes must carry Metaflow's control/worker task ids, UBF contexts and split indexes, and the join must get
// exactly the control task's mapper tasks.

const FLOW_DIR = path.join(REPO, 'test', 'fixtures', 'metaflow', 'parallel_flow');
const NODES = 3;

interface TaskRecord {
  pathspec: string;
  inputs: string[];
  split_index?: number;
  ubf_context?: string;
  control_mapper_tasks?: string[];
  parallel?: { num_nodes: number; node_index: number; control_task_id: string; main_ip: string };
  parallel_width?: number;
  foreach_stack: unknown[];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-parallel-'));
let result: LocalRunResult;
let tasks: (step: string) => TaskRecord[];
/** Log files of the train step: `<job id>-node<i>-attempt<n>.log`. */
let trainLogs: string[];
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> }; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Parallel');
  const infrastructure = e2eInfrastructure(stack);
  // The control task waits for its workers through the metadata service; the stand-in stands in for it too.
  new MetaflowFlow(stack, 'parallel', { infrastructure, pythonFlowFile: path.join(FLOW_DIR, 'flow.py'), image: 'python:3.11', metaflow: { serviceUrl: 'http://metadata.invalid' } });
  app.synth();
  template = JSON.parse(fs.readFileSync(path.join(outdir, 'Parallel.template.json'), 'utf-8'));
  const datastore = path.join(work, 'datastore');
  result = await runLocalFlow({
    assembly: LocalAssembly.fromDirectory(outdir),
    flow: 'ParallelFlow',
    cwd: REPO,
    runRoot: path.join(work, 'runs'),
    maxWorkers: 4,
    user: 'e2e',
    parameters: {},
    commandFor: metaflowStandin({ codeDir: FLOW_DIR, datastoreDir: datastore }),
  });
  const runDir = path.join(datastore, 'ParallelFlow', result.runId);
  tasks = (step) =>
    fs.existsSync(path.join(runDir, step))
      ? fs.readdirSync(path.join(runDir, step)).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8')))
      : [];
  trainLogs = fs.existsSync(path.join(result.logsDir, 'train')) ? fs.readdirSync(path.join(result.logsDir, 'train')) : [];
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const taskId = (pathspec: string): string => pathspec.split('/').pop()!;

describe('a num_parallel flow through the local engine with the stand-in step', () => {
  test('the run succeeded and every step ran', () => {
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(['start', 'train', 'gather', 'end'].map((s) => [s, tasks(s).length])).toEqual([['start', 1], ['train', NODES], ['gather', 1], ['end', 1]]);
  });

  test('the synthesized job definition of train is multinode on EC2, control and workers in their own node ranges', () => {
    const multinode = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Batch::JobDefinition' && r.Properties.Type === 'multinode');
    expect(multinode).toHaveLength(1);
    const { NodeProperties: nodes, PlatformCapabilities: platforms } = multinode[0].Properties;
    expect({ numNodes: nodes.NumNodes, mainNode: nodes.MainNode, ranges: nodes.NodeRangeProperties.map((r: { TargetNodes: string }) => r.TargetNodes), platforms })
      .toEqual({ numNodes: NODES, mainNode: 0, ranges: ['0:0', '1:2'], platforms: ['EC2'] });
  });

  test('train ran as one multi-node job, one process per node', () => {
    const jobs = new Set(trainLogs.map((f) => /^(.+)-node\d+-attempt\d+\.log$/.exec(f)?.[1]));
    expect(jobs.size).toBe(1);
    expect(trainLogs.map((f) => /-node(\d+)-/.exec(f)![1]).sort()).toEqual(['0', '1', '2']);
  });

  test('node 0 is the control task (task id = the job id), nodes 1..N-1 are <id>-node-<i>, split index = node index', () => {
    const [job] = new Set(trainLogs.map((f) => /^(.+)-node\d+-attempt\d+\.log$/.exec(f)![1]));
    const byIndex = [...tasks('train')].sort((a, b) => a.split_index! - b.split_index!);
    expect(byIndex.map((t) => [taskId(t.pathspec), t.split_index, t.ubf_context])).toEqual([
      [job, 0, 'ubf_control'],
      [`${job}-node-1`, 1, 'ubf_task'],
      [`${job}-node-2`, 2, 'ubf_task'],
    ]);
    for (const t of byIndex) expect(t.parallel).toEqual(expect.objectContaining({ num_nodes: NODES, node_index: t.split_index, control_task_id: job }));
    const start = tasks('start')[0];
    expect(start.parallel_width).toBe(NODES);
    for (const t of byIndex) expect(t.inputs).toEqual([start.pathspec.split('/').slice(1).join('/')]);
    expect(byIndex[0].control_mapper_tasks).toEqual(byIndex.map((t) => t.pathspec.split('/').slice(1).join('/')));
  });

  test("the join's inputs are the control task's mapper tasks in node order, and it leaves the parallel frame", () => {
    const control = tasks('train').find((t) => t.ubf_context === 'ubf_control')!;
    const [gather] = tasks('gather');
    expect(gather.inputs).toEqual(control.control_mapper_tasks);
    expect(gather.foreach_stack).toEqual([]);
    expect(tasks('end')[0].inputs).toEqual([gather.pathspec.split('/').slice(1).join('/')]);
  });
});
