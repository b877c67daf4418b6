import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { arrayBodyStepOptions, INPUT_PATHS_FILE } from '../../../../lib/runtime/metaflow/array-foreach';
import { metaflowStepCommand, type MetaflowStepCommandOptions } from '../../../../lib/runtime/metaflow/command';
import { metaflowStepEnvironment } from '../../../../lib/runtime/metaflow/environment';
import { runStandinStep } from '../../../../lib/runtime/metaflow/standin';
import { FIXTURES, recorded } from './fixture-deployment';
import { CREDENTIALS, createCoordinationTable, startDynalite, taskRecords, type LocalDynamo } from './local-sfn';

// The stand-in step given the commands of an array-job foreach body and of its join (what Batch would run, with the
// variables Batch and the state machine would set), next to the commands Metaflow's own compiler writes.

const fixture = recorded('foreach_flow');
const TABLE = fixture.deployment.dynamoDbTable!;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-standin-array-'));
const codeDir = path.join(work, 'code');
let local: LocalDynamo;

beforeAll(async () => {
  local = await startDynalite();
  await createCoordinationTable(local.dynamo, TABLE);
  fs.mkdirSync(codeDir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'foreach_flow', 'flow.py'), path.join(codeDir, 'foreach_flow.py'));
}, 60_000);
afterAll(async () => {
  await local?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** One run's datastore and ids. */
function newRun() {
  const execution = `exec-${randomUUID().slice(0, 8)}`;
  const datastore = path.join(work, execution);
  return { execution, datastore, tasks: taskRecords(path.join(datastore, fixture.graph.document.name, `sfn-${execution}`)) };
}
type Run = ReturnType<typeof newRun>;

/** Runs one task of `step` with the state input `input` (JSONPaths of its environment resolved against it). */
async function task(run: Run, step: string, input: Record<string, unknown>, batch: Record<string, string>, options: MetaflowStepCommandOptions = {}, widths: Record<string, number> = {}) {
  const resolve = (jsonPath: string): string => {
    if (jsonPath === '$$.Execution.Name') return run.execution;
    const keys = [...jsonPath.slice(1).matchAll(/\.?\['([^']+)'\]|\.([A-Za-z_]\w*)/g)].map((m) => m[1] ?? m[2]);
    const value = keys.reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key], input);
    if (value === undefined) throw new Error(`${step}: ${jsonPath} is not in the state input`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const env = Object.fromEntries(metaflowStepEnvironment(fixture.graph, step, fixture.deployment, options).map((e) => [e.Name, 'Value' in e ? e.Value : resolve(e['Value.$'])]));
  const result = await runStandinStep({
    script: metaflowStepCommand(fixture.graph, step, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps, ...options })[2],
    codeDir,
    env: {
      ...env,
      ...CREDENTIALS,
      AWS_BATCH_JOB_ATTEMPT: '1',
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
      MFCDK_STANDIN_DATASTORE_DIR: run.datastore,
      MFCDK_STANDIN_FOREACH_WIDTHS: JSON.stringify(widths),
      ...batch,
    },
  });
  return result;
}

/** start (foreach of `width`), then the body's array children in chunks; resolves with the foreach's job id. */
async function startAndBody(run: Run, width: number, chunks: Array<{ offset: number; size: number }>, options: (step: string, first: boolean) => MetaflowStepCommandOptions, childId: (array: string, k: number, step: string) => string) {
  const foreachId = randomUUID();
  const started = await task(run, 'start', { Parameters: '{}' }, { AWS_BATCH_JOB_ID: foreachId }, {}, { start: width });
  expect(started.stderr).toBe('');
  const chunkInput = (offset: number) => ({
    JobId: foreachId,
    SplitParentTaskId: foreachId,
    Index: String(offset),
    Parameters: { split_parent_task_id_start: foreachId, 'metaflow.run_id': run.execution },
  });
  for (const [i, step] of ['upper', 'decorate'].entries()) {
    for (const chunk of chunks) {
      const array = randomUUID();
      const results = await Promise.all(
        Array.from({ length: chunk.size }, (_, k) => task(run, step, chunkInput(chunk.offset), { AWS_BATCH_JOB_ID: childId(array, k, step), AWS_BATCH_JOB_ARRAY_INDEX: String(k) }, options(step, i === 0))),
      );
      for (const r of results) expect({ step, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ step, exitCode: 0, stderr: '' });
    }
  }
  return foreachId;
}

const arrayOptions = (_step: string, first: boolean) => arrayBodyStepOptions({ foreach: 'start', first });
const joinInput = (run: Run, foreachId: string) => ({ JobId: foreachId, Parameters: { split_parent_task_id_start: foreachId, 'metaflow.run_id': run.execution } });

describe('the stand-in runs an array-job foreach body and its join', () => {
  test('body tasks take <foreach task id>-<offset + array index> as task id and split index; the join gets them all', async () => {
    const run = newRun();
    const foreachId = await startAndBody(run, 5, [{ offset: 0, size: 3 }, { offset: 3, size: 2 }], arrayOptions, (array, k) => `${array}:${k}`);
    for (const step of ['upper', 'decorate']) {
      const tasks = run.tasks(step);
      expect(tasks.map((t) => [t.pathspec.split('/').pop(), t.split_index]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => [`${foreachId}-${i}`, i]));
      const parent = step === 'upper' ? () => foreachId : (i: number) => `${foreachId}-${i}`;
      for (const t of tasks) expect(t.inputs).toEqual([`sfn-${run.execution}/${step === 'upper' ? 'start' : 'upper'}/${parent(t.split_index!)}`]);
    }
    const joined = await task(run, 'gather', joinInput(run, foreachId), { AWS_BATCH_JOB_ID: randomUUID() }, { inputPathsFile: INPUT_PATHS_FILE });
    expect(joined.stderr).toBe('');
    expect(run.tasks('gather')[0].inputs.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `sfn-${run.execution}/decorate/${foreachId}-${i}`).sort());
  }, 60_000);

  test("with Metaflow's own commands, an array child's id (<id>:<index>) breaks the next step's input paths", async () => {
    const run = newRun();
    const foreachId = randomUUID();
    expect((await task(run, 'start', { Parameters: '{}' }, { AWS_BATCH_JOB_ID: foreachId }, {}, { start: 2 })).stderr).toBe('');
    const parameters = { split_parent_task_id_start: foreachId, 'metaflow.run_id': run.execution };
    const array = randomUUID();
    const upper = await task(run, 'upper', { JobId: foreachId, SplitParentTaskId: foreachId, Index: '1', Parameters: parameters }, { AWS_BATCH_JOB_ID: `${array}:1`, AWS_BATCH_JOB_ARRAY_INDEX: '1' });
    expect(upper.stderr).toBe('');
    expect(run.tasks('upper').map((t) => t.pathspec.split('/').pop())).toEqual([`${array}:1`]);
    // decompress_list reads "sfn-<run>/upper/<id>:1" as prefix "sfn-<run>/upper/<id>" and suffix "1"
    const decorate = await task(run, 'decorate', { JobId: `${array}:1`, Parameters: parameters }, { AWS_BATCH_JOB_ID: randomUUID() });
    expect(decorate.exitCode).toBe(1);
    expect(decorate.stderr).toContain(`upper/${array}1 does not exist`);
  }, 60_000);

  test('a derived id set after MF_PATHSPEC would send the logs elsewhere: the stand-in refuses it', async () => {
    const run = newRun();
    const foreachId = randomUUID();
    expect((await task(run, 'start', { Parameters: '{}' }, { AWS_BATCH_JOB_ID: foreachId }, {}, { start: 2 })).exitCode).toBe(0);
    const late = arrayBodyStepOptions({ foreach: 'start', first: true });
    const result = await task(run, 'upper', { JobId: foreachId, SplitParentTaskId: foreachId, Index: '0', Parameters: { 'metaflow.run_id': run.execution } }, { AWS_BATCH_JOB_ID: `${randomUUID()}:1`, AWS_BATCH_JOB_ARRAY_INDEX: '1' }, { ...late, prelude: undefined, setup: late.prelude });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/exports MF_PATHSPEC=\S+:1 .* but the step runs \S+-1 retry 0: its logs would go elsewhere/);
  }, 60_000);
});

describe('a join of thousands of splits', () => {
  const WIDTH = 4000;
  let run: Run;
  let foreachId: string;

  beforeAll(async () => {
    // The body's records and DynamoDB set as WIDTH last-body tasks would leave them (running them is the e2e's job).
    run = newRun();
    foreachId = randomUUID();
    expect((await task(run, 'start', { Parameters: '{}' }, { AWS_BATCH_JOB_ID: foreachId }, {}, { start: WIDTH })).stderr).toBe('');
    const ids = Array.from({ length: WIDTH }, (_, i) => `${foreachId}-${i}`);
    const runDir = path.join(run.datastore, fixture.graph.document.name, `sfn-${run.execution}`);
    ids.forEach((id, i) => {
      fs.mkdirSync(path.join(runDir, 'decorate', id), { recursive: true });
      const record = { pathspec: `${fixture.graph.document.name}/sfn-${run.execution}/decorate/${id}`, inputs: [], split_index: i, foreach_stack: [{ step: 'start', parent_task_id: foreachId, width: WIDTH, index: i }] };
      fs.writeFileSync(path.join(runDir, 'decorate', id, 'task.json'), JSON.stringify(record));
    });
    for (let i = 0; i < ids.length; i += 500) {
      await local.dynamo.send(new UpdateItemCommand({ TableName: TABLE, Key: { pathspec: { S: foreachId } }, UpdateExpression: 'ADD parent_task_ids_for_foreach_join :val', ExpressionAttributeValues: { ':val': { SS: ids.slice(i, i + 500) } } }));
    }
  }, 120_000);

  test("Metaflow's --input-paths and exported METAFLOW_PARENT_TASK_IDS exceed what Linux passes to a process", async () => {
    const result = await task(run, 'gather', joinInput(run, foreachId), { AWS_BATCH_JOB_ID: randomUUID() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/Argument list too long/);
  }, 60_000);

  test('the input-paths file carries all of them, and the join checks it got exactly the foreach\'s splits', async () => {
    const result = await task(run, 'gather', joinInput(run, foreachId), { AWS_BATCH_JOB_ID: randomUUID() }, { inputPathsFile: INPUT_PATHS_FILE });
    expect(result.stderr).toBe('');
    expect(run.tasks('gather')[0].inputs).toHaveLength(WIDTH);
  }, 60_000);
});
