import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { INLINE_MAP_HARD_LIMIT } from '../../lib/compile/foreach-strategy';
import { metaflowStandin } from '../../lib/local/batch/command-hook';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { JOIN_SET_BLOCK, joinSetKey, METAFLOW_ARRAY_FOREACH_MAX_WIDTH, metaflowForeachTooWideCause } from '../../lib/runtime/metaflow/array-foreach';
import { logTail } from '../../lib/local/run/report';
import { METAFLOW_FIXTURES } from '../support/fixtures';
import { REPO } from './harness';
import { e2eInfrastructure, scanCoordinationItems, type CoordinationItem } from '../support/metaflow-e2e';

// Metaflow's foreach_flow fixture (start → foreach → upper → decorate → gather → end) deployed by MetaflowFlow, whose
// foreach runs as Batch array jobs by default, through the local engine with the protocol-faithful stand-in as every
// step: wider than an inline Map can run in one execution, and at widths 1 and 0.
// Reproduce a wider run: MFCDK_E2E_WIDE_FOREACH_WIDTH=4000 npx jest test/e2e/metaflow-wide-foreach.test.ts

const WIDTH = Number(process.env.MFCDK_E2E_WIDE_FOREACH_WIDTH ?? 1050);
const DIR = 'foreach_flow';
const FLOW = 'ForeachAnchorFlow';
const LINUX_MAX_ARG_STRLEN = 128 * 1024;

interface TaskRecord {
  pathspec: string;
  inputs: string[];
  input_split_indexes?: number[];
  split_index?: number;
  batch_job_id: string;
}
interface WideRun {
  readonly result: LocalRunResult;
  readonly tasks: (step: string) => TaskRecord[];
  readonly items: Map<string, CoordinationItem>;
  readonly startLog: string;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-wide-'));
// The interpreter itself, not a version-manager shim: a few thousand stand-in tasks start one process each.
const PYTHON = execFileSync(process.env.METAFLOW_CDK_PYTHON ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf-8' }).trim();
const taskId = (pathspec: string) => pathspec.split('/').pop()!;
let assembly: LocalAssembly;

function synthesize(): LocalAssembly {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Wide');
  const infrastructure = e2eInfrastructure(stack);
  const flow = new MetaflowFlow(stack, DIR, { infrastructure, pythonFlowFile: path.join(METAFLOW_FIXTURES, DIR, 'flow.py'), image: 'python:3.11' });
  expect(flow.foreachStrategies).toEqual({ start: 'array-job' });
  app.synth();
  return LocalAssembly.fromDirectory(outdir);
}


async function runAtWidth(width: number, options: { forkServer?: boolean } = {}): Promise<WideRun> {
  const datastore = path.join(work, `datastore-${width}${options.forkServer ? '-forked' : ''}`);
  const standin = metaflowStandin({ codeDir: path.join(METAFLOW_FIXTURES, DIR), datastoreDir: datastore, python: PYTHON, forkServer: options.forkServer });
  let items = new Map<string, CoordinationItem>();
  const result = await runLocalFlow({
    assembly,
    flow: FLOW,
    cwd: REPO,
    runRoot: path.join(work, `runs-${width}${options.forkServer ? '-forked' : ''}`),
    maxWorkers: 6,
    user: 'e2e',
    commandFor: (task) => {
      const replaced = standin(task);
      return replaced && { ...replaced, env: { ...replaced.env, MFCDK_STANDIN_FOREACH_WIDTHS: JSON.stringify({ start: width }) } };
    },
    beforeServersStop: async ({ dynamodbEndpoint }) => void (items = await scanCoordinationItems(dynamodbEndpoint)),
  });
  const runDir = path.join(datastore, FLOW, result.runId);
  const tasks = (step: string): TaskRecord[] =>
    fs.existsSync(path.join(runDir, step))
      ? fs.readdirSync(path.join(runDir, step)).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8')))
      : [];
  const startLogs = path.join(result.logsDir, 'start');
  const startLog = fs.existsSync(startLogs) ? fs.readdirSync(startLogs).map((f) => fs.readFileSync(path.join(startLogs, f), 'utf-8')).join('\n') : '';
  if (process.env.MFCDK_E2E_TIMING) console.log(`width ${width}: ${result.durationMs} ms, ${result.stateTransitions} transitions`);
  return { result, tasks, items, startLog };
}

/** The body steps ran once per split index 0..width-1, each as task `<foreach task id>-<index>` of an array child. */
function expectBody(run: WideRun, width: number): void {
  const [start] = run.tasks('start');
  const foreachId = taskId(start.pathspec);
  for (const [step, parent] of [['upper', 'start'], ['decorate', 'upper']] as const) {
    const tasks = run.tasks(step);
    expect(tasks.map((t) => t.split_index).sort((a, b) => a! - b!)).toEqual([...Array(width).keys()]);
    for (const task of tasks) {
      expect(taskId(task.pathspec)).toBe(`${foreachId}-${task.split_index}`);
      const parentId = parent === 'start' ? foreachId : `${foreachId}-${task.split_index}`;
      expect(task.inputs).toEqual([`${run.result.runId}/${parent}/${parentId}`]);
    }
  }
}

beforeAll(() => {
  assembly = synthesize();
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe(`a Metaflow foreach of ${WIDTH} splits as Batch array jobs`, () => {
  let run: WideRun;
  beforeAll(async () => {
    run = await runAtWidth(WIDTH);
  }, 600_000);

  test('is wider than an inline Map runs in one execution, within the DynamoDB bound', () => {
    expect(WIDTH).toBeGreaterThan(INLINE_MAP_HARD_LIMIT);
    expect(WIDTH).toBeLessThanOrEqual(METAFLOW_ARRAY_FOREACH_MAX_WIDTH);
  });

  test('the run succeeded; every body task has its derived id, split index and input path, each index exactly once', () => {
    expect({ status: run.result.status, error: run.result.error, cause: run.result.cause?.slice(0, 500) }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expectBody(run, WIDTH);
  });

  test('body tasks ran as children of array jobs: Batch ids <array job id>:<index>, one array job per body step per chunk', () => {
    for (const step of ['upper', 'decorate']) {
      const ids = run.tasks(step).map((t) => t.batch_job_id);
      expect(new Set(ids).size).toBe(WIDTH);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}:\d+$/);
      const arrays = new Set(ids.map((id) => id.split(':')[0]));
      expect(arrays.size).toBeGreaterThan(1);
      expect(arrays.size).toBeLessThan(WIDTH / 2);
    }
  });

  test('the join got every last body task exactly once, in split order, derived (nothing read back) through an input-paths file', () => {
    const [start] = run.tasks('start');
    const foreachId = taskId(start.pathspec);
    const joins = run.tasks('gather');
    expect(joins).toHaveLength(1);
    expect(joins[0].inputs).toEqual(Array.from({ length: WIDTH }, (_, i) => `${run.result.runId}/decorate/${foreachId}-${i}`));
    expect(joins[0].input_split_indexes).toEqual([...Array(WIDTH).keys()]);
    expect(run.tasks('end')).toHaveLength(1);
    if (WIDTH >= 3200) expect(joins[0].inputs.join(',').length).toBeGreaterThan(LINUX_MAX_ARG_STRLEN);
  });

  test('DynamoDB holds Metaflow\'s cardinality item and one small join set per 100 splits, each expiring with it', () => {
    const foreachId = taskId(run.tasks('start')[0].pathspec);
    const item = run.items.get(foreachId)!;
    expect(item.cardinality).toBe(WIDTH);
    expect(item.parents).toEqual([]);
    expect(Number(item.ttl)).toBeGreaterThan(Date.now() / 1000 + 365 * 24 * 3600);
    const blocks = Math.ceil(WIDTH / JOIN_SET_BLOCK);
    const sets = [...run.items.keys()].filter((key) => key.startsWith(`${foreachId}-joins-`));
    expect(sets.sort()).toEqual(Array.from({ length: blocks }, (_, b) => joinSetKey(foreachId, b)).sort());
    for (let b = 0; b < blocks; b++) {
      const set = run.items.get(joinSetKey(foreachId, b))!;
      expect(set.ttl).toBe(item.ttl);
      const indexes = Array.from({ length: Math.min(JOIN_SET_BLOCK, WIDTH - b * JOIN_SET_BLOCK) }, (_, i) => b * JOIN_SET_BLOCK + i);
      expect([...set.parents].sort()).toEqual(indexes.map((i) => `${foreachId}-${i}`).sort());
    }
  });
});

describe('a Metaflow array-job foreach of one split and of none', () => {
  test('one split runs the body as plain jobs with split index 0', async () => {
    const run = await runAtWidth(1);
    expect({ status: run.result.status, error: run.result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expectBody(run, 1);
    for (const step of ['upper', 'decorate']) expect(run.tasks(step)[0].batch_job_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.tasks('gather')[0].inputs).toHaveLength(1);
  }, 120_000);

  test('no split fails in the foreach task, as Metaflow\'s foreach does, before any body task', async () => {
    const run = await runAtWidth(0);
    expect(run.result.status).toBe('FAILED');
    expect(run.startLog).toContain('produced zero splits');
    expect(run.tasks('upper')).toEqual([]);
    expect(run.tasks('gather')).toEqual([]);
  }, 120_000);
});

describe('tasks forked by one stand-in server (metaflowStandin forkServer, for runs of many thousand tasks)', () => {
  test('each task is a process of its own with the job\'s script, environment and log: the same records', async () => {
    const run = await runAtWidth(120, { forkServer: true });
    expect({ status: run.result.status, error: run.result.error, cause: run.result.cause?.slice(0, 500) }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expectBody(run, 120);
    for (const task of run.tasks('upper')) expect(task.batch_job_id).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(run.tasks('gather')[0].input_split_indexes).toEqual([...Array(120).keys()]);
  }, 300_000);

  test('a failing task\'s stderr reaches its log and its exit status fails the job', async () => {
    const run = await runAtWidth(0, { forkServer: true });
    expect(run.result.status).toBe('FAILED');
    expect(run.startLog).toContain('produced zero splits');
    expect(run.tasks('upper')).toEqual([]);
  }, 120_000);
});

describe('a Metaflow foreach one split past the ceiling', () => {
  test('fails in the foreach task, before any body task, with the ceiling and the way out after DynamoDB\'s refusal', async () => {
    const run = await runAtWidth(METAFLOW_ARRAY_FOREACH_MAX_WIDTH + 1);
    expect(run.result.status).toBe('FAILED');
    expect(run.startLog).toContain('Item size has exceeded the maximum allowed size');
    expect(run.startLog).toContain(`metaflow-cdk: ${metaflowForeachTooWideCause(FLOW, 'start')}`);
    // The last line of the task's log, which `run --local` prints for the failed task.
    expect(logTail(path.join(run.result.logsDir, 'start', fs.readdirSync(path.join(run.result.logsDir, 'start'))[0]), 1)).toEqual([`metaflow-cdk: ${metaflowForeachTooWideCause(FLOW, 'start')}`]);
    expect(run.tasks('upper')).toEqual([]);
    expect(run.items.size).toBe(0);
  }, 300_000);
});
