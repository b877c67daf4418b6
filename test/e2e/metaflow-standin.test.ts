import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { foreachBody, foreachStrategyOf } from '../../lib/compile/foreach-strategy';
import { analyzeFlow, type FlowGraph } from '../../lib/graph';
import { importPythonFlow } from '../../lib/importer/python';
import { metaflowStandin } from '../../lib/local/batch/command-hook';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { METAFLOW_FIXTURES } from '../support/fixtures';
import { REPO } from './harness';
import { e2eInfrastructure, scanCoordinationItems, type CoordinationItem } from '../support/metaflow-e2e';

// The state machines MetaflowFlow synthesizes for Metaflow's fixture flows, run through the local engine with the
// protocol-faithful stand-in as every step: ids, input paths, parameters and foreach coordination in dynalite.

const FLOWS = ['linear_flow', 'branch_flow', 'foreach_flow', 'nested_foreach_flow', 'params_flow', 'retry_catch_timeout_flow', 'batch_resources_flow'];
/** Flows whose steps ask for GPUs and Inferentia chips run on an infrastructure that has them. */
const ACCELERATED_FLOWS = new Set(['batch_resources_flow']);

interface TaskRecord { pathspec: string; inputs: string[]; split_index?: number; input_split_indexes?: number[]; run_parameters?: Record<string, unknown>; retry_count: number; batch_job_id: string; foreach_stack: Array<{ parent_task_id: string }> }
interface FlowRun {
  readonly graph: FlowGraph;
  readonly result: LocalRunResult;
  readonly tasks: (step: string) => TaskRecord[];
  /** Batch job ids the engine logged, with array children as `<parent>:<index>`. */
  readonly jobIds: Set<string>;
  /** The coordination table's items, by pathspec, read while dynalite was up. */
  readonly items: Map<string, CoordinationItem>;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-standin-'));
const runs = new Map<string, FlowRun>();

function synthesize(): LocalAssembly {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Standin');
  const infrastructure = e2eInfrastructure(stack);
  // batch_resources_flow names the queue `gpu-q` by ARN and wants GPUs and Inferentia chips on the default queue.
  const accelerated = new MetaflowInfrastructure(stack, 'AcceleratedInfra', {
    exportConfig: false,
    computeEnvironments: {
      neuron: ComputeEnvironmentPresets.neuron({ maxVcpus: 64 }),
      gpu: ComputeEnvironmentPresets.gpu({ maxVcpus: 64 }),
    },
    queues: [
      { name: 'accelerated', priority: 1, computeEnvironments: ['neuron', 'gpu'] },
      { name: 'gpu-q', priority: 2, computeEnvironments: ['gpu'] },
    ],
  });
  for (const dir of FLOWS) {
    const on = ACCELERATED_FLOWS.has(dir) ? accelerated : infrastructure;
    new MetaflowFlow(stack, dir, { infrastructure: on, pythonFlowFile: path.join(METAFLOW_FIXTURES, dir, 'flow.py'), image: 'python:3.11' });
  }
  app.synth();
  return LocalAssembly.fromDirectory(outdir);
}


async function runFlow(assembly: LocalAssembly, dir: string): Promise<FlowRun> {
  const graph = analyzeFlow(importPythonFlow(path.join(METAFLOW_FIXTURES, dir, 'flow.py')));
  const datastore = path.join(work, 'datastore');
  let items = new Map<string, CoordinationItem>();
  const result = await runLocalFlow({
    assembly,
    flow: graph.document.name,
    cwd: REPO,
    runRoot: path.join(work, 'runs'),
    maxWorkers: 4,
    user: 'e2e',
    parameters: { greeting: 'hi' },
    commandFor: metaflowStandin({ codeDir: path.join(METAFLOW_FIXTURES, dir), datastoreDir: datastore }),
    beforeServersStop: async ({ dynamodbEndpoint }) => void (items = await scanCoordinationItems(dynamodbEndpoint)),
  });
  const runDir = path.join(datastore, graph.document.name, result.runId);
  const tasks = (step: string): TaskRecord[] =>
    fs.existsSync(path.join(runDir, step))
      ? fs.readdirSync(path.join(runDir, step)).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8')))
      : [];
  const jobIds = new Set<string>();
  for (const step of fs.existsSync(result.logsDir) ? fs.readdirSync(result.logsDir) : []) {
    for (const file of fs.readdirSync(path.join(result.logsDir, step))) {
      const header = /^# \S+ job (\S+) attempt/.exec(fs.readFileSync(path.join(result.logsDir, step, file), 'utf-8'));
      if (header) jobIds.add(header[1]);
    }
  }
  return { graph, result, tasks, jobIds, items };
}

/** Length of the list literal the foreach step assigns (what the stand-in, lacking user code, splits on). */
function widthOf(dir: string, graph: FlowGraph, step: string): number {
  const source = fs.readFileSync(path.join(METAFLOW_FIXTURES, dir, 'flow.py'), 'utf-8');
  const literal = new RegExp(`self\\.${graph.nodes.get(step)!.foreachParam!} = (\\[.*\\])`).exec(source)![1];
  return JSON.parse(literal.replace(/'/g, '"')).length;
}

const taskId = (pathOrSpec: string): string => pathOrSpec.split('/').pop()!;
const stepOf = (inputPath: string): string => inputPath.split('/')[1];

beforeAll(async () => {
  const assembly = synthesize();
  for (const dir of FLOWS) runs.set(dir, await runFlow(assembly, dir));
}, 400_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.each(FLOWS)('%s through the local engine with the stand-in step', (dir) => {
  test('the run succeeded with run id sfn-<execution name> in every task and input path', () => {
    const { result, graph, tasks } = runs.get(dir)!;
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(result.runId).toBe(`sfn-${result.executionName}`);
    for (const name of graph.sortedNames) {
      expect({ name, ran: tasks(name).length > 0 }).toEqual({ name, ran: true });
      for (const task of tasks(name)) {
        expect(task.pathspec).toMatch(new RegExp(`^${graph.document.name}/${result.runId}/${name}/[^/]+$`));
        for (const input of task.inputs) expect(input.split('/')[0]).toBe(result.runId);
      }
    }
  });

  test('each task id is its Batch job id (array-job bodies: <foreach task id>-<split index>), and its input paths are the ones Metaflow computes', () => {
    const { graph, tasks, jobIds } = runs.get(dir)!;
    const arrayBodies = new Map(
      [...graph.nodes.values()]
        .filter((n) => n.type === 'foreach' && foreachStrategyOf(graph, n).strategy === 'array-job')
        .flatMap((n) => foreachBody(graph, n).steps.map((step) => [step, n.name] as const)),
    );
    for (const [name, node] of graph.nodes) {
      for (const task of tasks(name)) {
        const id = taskId(task.pathspec);
        expect(jobIds).toContain(task.batch_job_id);
        if (arrayBodies.has(name)) {
          const frame = task.foreach_stack[task.foreach_stack.length - 1];
          expect({ id, batchJobId: /^[0-9a-f-]{36}(:\d+)?$/.test(task.batch_job_id) }).toEqual({ id: `${frame.parent_task_id}-${task.split_index}`, batchJobId: true });
        } else {
          expect(task.batch_job_id).toBe(id);
        }
        if (name === graph.start) {
          expect(task.inputs).toEqual([`${task.pathspec.split('/')[1]}/_parameters/${id}-params`]);
          continue;
        }
        // every input is a task that ran in a step leading here
        for (const input of task.inputs) {
          expect(node.inFuncs).toContain(stepOf(input));
          expect(tasks(stepOf(input)).map((t) => taskId(t.pathspec))).toContain(taskId(input));
        }
        const foreachJoin = node.type === 'join' && graph.nodes.get(node.splitParents[node.splitParents.length - 1] ?? '')?.type === 'foreach';
        if (node.type !== 'join') expect(task.inputs).toHaveLength(1);
        else if (!foreachJoin) expect(task.inputs.map(stepOf).sort()).toEqual([...node.inFuncs].sort());
      }
    }
  });

  test('foreach bodies ran once per split; DynamoDB held each foreach cardinality and exactly the join parents', () => {
    const { graph, tasks, items } = runs.get(dir)!;
    for (const [name, node] of graph.nodes) {
      const open = node.splitParents.filter((p) => graph.nodes.get(p)!.type === 'foreach' && graph.nodes.get(p)!.matchingJoin !== name);
      expect({ name, tasks: tasks(name).length }).toEqual({ name, tasks: open.reduce((n, p) => n * widthOf(dir, graph, p), 1) });
      const foreachParent = node.inFuncs.find((p) => graph.nodes.get(p)!.type === 'foreach');
      if (foreachParent !== undefined) {
        const perParent = new Map<string, number[]>();
        for (const task of tasks(name)) perParent.set(task.inputs[0], [...(perParent.get(task.inputs[0]) ?? []), task.split_index!]);
        for (const indexes of perParent.values()) expect(indexes.sort()).toEqual([...Array(widthOf(dir, graph, foreachParent)).keys()]);
      }
      if (node.type !== 'foreach') continue;
      const joins = tasks(node.matchingJoin!);
      for (const task of tasks(name)) {
        const id = taskId(task.pathspec);
        const item = items.get(id);
        expect({ name, cardinality: item?.cardinality }).toEqual({ name, cardinality: widthOf(dir, graph, name) });
        // An array-job foreach's last body tasks add their ids to join sets of 100 splits (`<id>-joins-<block>`).
        const parents = [...items].filter(([key]) => key === id || key.startsWith(`${id}-joins-`)).flatMap(([, i]) => i.parents);
        const join = joins.filter((j) => j.inputs.some((i) => parents.includes(taskId(i))));
        expect(join).toHaveLength(1);
        expect(join[0].inputs.map(taskId).sort()).toEqual([...parents].sort());
        // Metaflow hands `inputs` to the join in the order of its input paths: split order for an array-job foreach
        // (derived parent ids) and for an inline Map (the Map's results, sorted by their split index).
        expect({ name, order: join[0].input_split_indexes }).toEqual({ name, order: [...Array(widthOf(dir, graph, name)).keys()] });
      }
      expect(joins).toHaveLength(tasks(name).length);
    }
  });

  test('the run sees parameter defaults merged with the run parameters', () => {
    const { graph, tasks } = runs.get(dir)!;
    const defaults = Object.fromEntries((graph.document.parameters ?? []).filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    const expected = graph.document.parameters?.length ? { ...defaults, greeting: 'hi' } : {};
    expect(tasks(graph.end).length).toBeGreaterThan(0);
    for (const task of tasks(graph.end)) expect(task.run_parameters ?? {}).toEqual(expected);
  });
});
