import { buildDefinition, planFanout, planFlow, stateNames, AslDefinition } from '../../../lib/compile';
import { decodeManifest } from '../../../lib/runtime/manifest';
import { BRANCH, FOREACH, LINEAR, NESTED, OPTIONS, PARALLEL, REFS, envOf, flow, runLocally, stateOf, step, validateAsl } from './helpers';
import { everyState } from '../../../lib/compile/asl';

const compile = (doc: Parameters<typeof planFlow>[0], options = OPTIONS): AslDefinition => buildDefinition(planFlow(doc, options), REFS);

const CATCHING = flow('Catching', [step('start', ['risky']), step('risky', ['end'], { catch: { var: 'failure' }, retry: { times: 2, minutesBetweenRetries: 3 } }), step('end', [])], {
  parameters: [
    { name: 'alpha', type: 'string', required: true },
    { name: 'num-items', type: 'number', default: 3 },
    { name: 'cfg', type: 'json', default: { k: 1 } },
    { name: 'optional', type: 'string' },
  ],
  workflowTimeoutSeconds: 3600,
});

describe('buildDefinition', () => {
  const flows = { LINEAR, BRANCH, FOREACH, NESTED, INLINE: { ...NESTED, name: 'Inline', maxNumSplits: 20 }, PARALLEL, CATCHING };

  it.each(Object.entries(flows))('%s passes asl-validator and uses JSONPath only', (_, doc) => {
    const def = compile(doc);
    const result = validateAsl(def);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    const text = JSON.stringify(def);
    expect(text).not.toMatch(/JSONata|"Assign"|QueryLanguage/);
    const resources = new Set(everyState(def.States).map(([, s]) => s.Resource).filter(Boolean));
    for (const r of resources) expect(String(r)).toMatch(/^arn:aws:states:::(batch:submitJob\.sync|lambda:invoke)$/);
  });

  it('writes the flow manifest, with the foreach strategy, as the Comment', () => {
    const manifest = decodeManifest(compile(NESTED).Comment);
    expect(manifest?.flow).toBe('Nested');
    expect(manifest?.steps.find((s) => s.name === 'start')).toEqual({ name: 'start', type: 'foreach', foreachStrategy: 'distributed-map' });
    expect(manifest?.steps.map((s) => s.name)).toEqual(['start', 'fan', 'x', 'y', 'inner_join', 'join', 'end']);
  });

  it('keeps where the flow file declared a parameter, schedule or trigger out of the manifest', () => {
    const source = { file: '/home/someone/flows/flow.py', line: 3 };
    const doc = flow('Sourced', LINEAR.steps.map((s) => ({ ...s, source })), {
      parameters: [{ name: 'alpha', type: 'string', default: 'a', source }],
      schedule: { daily: true, source },
      triggers: [{ bucket: 'in-bucket', source }],
    });
    const comment = compile(doc).Comment;
    expect(comment).not.toContain('/home/someone');
    expect(decodeManifest(comment)).toMatchObject({ parameters: [{ name: 'alpha', type: 'string', default: 'a' }], schedule: { daily: true }, triggers: [{ bucket: 'in-bucket' }] });
  });

  it('linear: one Task per step, chained to End', () => {
    const def = compile(LINEAR);
    expect(def.States.start).toMatchObject({ Type: 'Task', Next: 'a' });
    expect(def.States.a).toMatchObject({ Type: 'Task', Next: 'end' });
    expect(def.States.end).toMatchObject({ Type: 'Task', End: true });
    expect(def.StartAt).toBe('Init.defaults');
  });

  it('branch: a Parallel whose branches end before the join and whose output is dropped', () => {
    const def = compile(BRANCH);
    const parallel = stateOf<Record<string, unknown>>(def, stateNames.branches('start'));
    expect(parallel).toMatchObject({ Type: 'Parallel', ResultPath: null, Next: 'join' });
    const branches = parallel.Branches as Array<{ StartAt: string; States: Record<string, { End?: boolean }> }>;
    expect(branches.map((b) => b.StartAt)).toEqual(['a', 'b']);
    expect(branches.every((b) => Object.values(b.States).some((s) => s.End === true))).toBe(true);
  });

  it('foreach (array-job): fan-out, width routing, single path for width 1, array Map with sizes', () => {
    const def = compile(FOREACH);
    const width = stateOf<{ Choices: Array<Record<string, unknown>>; Default: string }>(def, stateNames.width('start'));
    expect(width.Choices).toEqual([
      { Variable: '$.fanout.width', NumericGreaterThan: 100, Next: stateNames.tooWide('start') },
      { Variable: '$.fanout.width', NumericEquals: 0, Next: 'join' },
      { Variable: '$.fanout.width', NumericEquals: 1, Next: stateNames.single('body1') },
    ]);
    expect(def.States[stateNames.tooWide('start')]).toMatchObject({ Type: 'Fail', Error: 'MaxNumSplitsExceeded' });
    type MapState = { ItemsPath: string; MaxConcurrency?: number; ItemProcessor: { States: Record<string, MapState & { Parameters: Record<string, unknown> }> }; ResultPath: unknown };
    const waves = stateOf<MapState>(def, stateNames.map('start'));
    expect(waves).toMatchObject({ ItemsPath: '$.fanout.waves', MaxConcurrency: 1, ResultPath: null });
    const chunks = waves.ItemProcessor.States[stateNames.chunks('start')];
    expect(chunks.ItemsPath).toBe('$.chunks');
    expect(chunks.ItemProcessor.States.body1.Parameters.ArrayProperties).toEqual({ 'Size.$': '$.size' });
    expect(chunks.ItemProcessor.States.body1.Parameters['DependsOn.$']).toBe('$.dependsOn');
    expect(stateOf<{ Next: string }>(def, stateNames.single('body2')).Next).toBe('join');
  });

  it('foreach (distributed-map): reads items from the S3 manifest, writes results to S3, keeps no per-task output', () => {
    const def = compile(NESTED);
    const map = stateOf<Record<string, Record<string, unknown>>>(def, stateNames.map('start'));
    expect(map.ItemReader).toMatchObject({ Resource: 'arn:aws:states:::s3:getObject', Parameters: { 'Bucket.$': '$.fanout.manifest.bucket', 'Key.$': '$.fanout.manifest.key' } });
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ResultWriter.Parameters).toEqual({ Bucket: 'datastore-bucket', Prefix: 'metaflow/_metaflow-cdk/Nested/map-results' });
    expect(map.ResultPath).toBeNull();
    expect(map.MaxConcurrency).toBe(16);
    expect(map.ItemsPath).toBeUndefined();
  });

  it('parallel: a multi-node job with node overrides between the split and the join', () => {
    const def = compile(PARALLEL);
    const train = stateOf<{ Parameters: Record<string, unknown>; Next: string }>(def, 'train');
    expect(train.Next).toBe('join');
    expect(train.Parameters.ContainerOverrides).toBeUndefined();
    expect(train.Parameters.NodeOverrides).toMatchObject({ NodePropertyOverrides: [{ TargetNodes: '0:' }] });
  });

  it('@retry is a counted loop that waits minutesBetweenRetries; @catch records the failure and goes on', () => {
    const def = compile(CATCHING);
    const risky = stateOf<{ Retry: Array<{ ErrorEquals: string[] }>; Catch: unknown[]; Next: string }>(def, 'risky');
    expect(risky.Retry.map((r) => r.ErrorEquals)).toEqual([['Batch.AWSBatchException']]);
    expect(risky.Catch).toEqual([
      { ErrorEquals: ['States.TaskFailed', 'States.Timeout'], ResultPath: '$.caught', Next: stateNames.retry('risky') },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: stateNames.caught('risky') },
    ]);
    expect(def.States[stateNames.retry('risky')]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.retries.risky.n', NumericLessThan: 2, Next: stateNames.retryWait('risky') }],
      Default: stateNames.caught('risky'),
    });
    expect(def.States[stateNames.retryWait('risky')]).toMatchObject({ Type: 'Wait', Seconds: 180 });
    expect(def.States[stateNames.caught('risky')]).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke', Next: 'end' });
    expect(def.TimeoutSeconds).toBe(3600);
  });
});

describe('running the definition with a JSONPath interpreter', () => {
  const answer = (strategy: 'array-job' | 'inline-map', width: number) => (state: string) =>
    state.endsWith('.fanout') ? { Payload: planFanout(strategy, width, 16) } : { JobId: `job-${state}` };

  it('applies parameter defaults and gives each task its run, task id and inputs', async () => {
    const { calls } = await runLocally(compile(CATCHING), { Parameters: { alpha: 'x' }, User: 'ana' }, answer('array-job', 0));
    const risky = envOf(calls.find((c) => c.state === 'risky')!);
    expect(risky).toMatchObject({
      MF_RUN_ID: 'sfn-exec-1',
      MF_USER: 'ana',
      MF_TASK_ID: '1',
      MF_INPUT_PATHS: 'start/1',
      MF_PARAM_ALPHA: 'x',
      MF_PARAM_NUM_ITEMS: '3',
      MF_PARAM_CFG: '{"k":1}',
      MF_TRIGGER_BUCKET: '',
    });
    expect(JSON.parse(risky.MF_PARAMETERS)).toEqual({ alpha: 'x', 'num-items': 3, cfg: { k: 1 } });
    expect(risky.MF_PARAM_OPTIONAL).toBeUndefined();
  });

  it('a json parameter whose default is a string holding JSON reaches tasks as that JSON, as a given value does', async () => {
    const doc = { ...CATCHING, parameters: [{ name: 'alpha', type: 'string' as const, default: 'a' }, { name: 'cfg', type: 'json' as const, default: '{"k": [1, 2]}' }] };
    const byDefault = envOf((await runLocally(compile(doc), {}, answer('array-job', 0))).calls.find((c) => c.state === 'risky')!);
    const given = envOf((await runLocally(compile(doc), { Parameters: { cfg: { k: [1, 2] } } }, answer('array-job', 0))).calls.find((c) => c.state === 'risky')!);
    expect(byDefault.MF_PARAM_CFG).toBe('{"k":[1,2]}');
    expect(JSON.parse(byDefault.MF_PARAMETERS)).toEqual({ alpha: 'a', cfg: { k: [1, 2] } });
    expect([byDefault.MF_PARAM_CFG, byDefault.MF_PARAMETERS]).toEqual([given.MF_PARAM_CFG, given.MF_PARAMETERS]);
  });

  it('fails at the start with MissingParameter when a required parameter is absent', async () => {
    await expect(runLocally(compile(CATCHING), {}, answer('array-job', 0))).rejects.toThrow(/MissingParameter|alpha/);
  });

  it('user retries keep the task id and count up; then @catch records the failure and the run goes on', async () => {
    const { calls } = await runLocally(compile(CATCHING), { Parameters: { alpha: 'x' } }, (state) => {
      if (state === 'risky') throw Object.assign(new Error('boom'), { name: 'States.TaskFailed' });
      return state.endsWith('.catch') ? { Payload: { key: 'k' } } : { JobId: 'j' };
    });
    const attempts = calls.filter((c) => c.state === 'risky');
    expect(attempts.map((c) => envOf(c).MF_RETRY_COUNT)).toEqual(['0', '1', '2']);
    expect(new Set(attempts.map((c) => envOf(c).MF_TASK_ID))).toEqual(new Set(['1']));
    const recorder = calls.find((c) => c.state === stateNames.caught('risky'))!;
    expect(recorder.input.Payload).toMatchObject({ step: 'risky', var: 'failure', runId: 'sfn-exec-1', taskId: '1' });
    expect(calls.map((c) => c.state)).toContain('end');
  });

  it('branch join gets every branch as input', async () => {
    const { calls } = await runLocally(compile(BRANCH), {}, answer('array-job', 0));
    expect(envOf(calls.find((c) => c.state === 'join')!).MF_INPUT_PATHS).toBe('a/1,b/1');
  });

  it.each([0, 1, 5])('array-job foreach of width %i', async (width) => {
    const { calls } = await runLocally(compile(FOREACH), {}, answer('array-job', width));
    const names = calls.map((c) => c.state);
    const join = envOf(calls.find((c) => c.state === 'join')!);
    expect(join).toMatchObject({ MF_INPUT_PATHS: 'body2/1-*', MF_SPLIT_WIDTH: String(width) });
    if (width === 0) expect(names).not.toContain('body1');
    if (width === 1) {
      expect(envOf(calls.find((c) => c.state === stateNames.single('body1'))!)).toMatchObject({ MF_ARRAY_PARENT: '1', MF_SPLIT_INDEX: '0', MF_INPUT_PATHS: 'start/1' });
      expect(envOf(calls.find((c) => c.state === stateNames.single('body2'))!)).toMatchObject({ MF_ARRAY_INPUT_STEP: 'body1' });
    }
    if (width === 5) {
      const body1 = calls.filter((c) => c.state === 'body1');
      expect(body1).toHaveLength(1);
      expect(body1[0].input.ArrayProperties).toEqual({ Size: 5 });
      expect(body1[0].input.DependsOn).toEqual([]);
    }
  });

  it('fails before fan-out when a foreach is wider than maxNumSplits', async () => {
    const run = runLocally(compile(FOREACH), {}, answer('array-job', 101));
    await expect(run).rejects.toThrow(/MaxNumSplitsExceeded|maxNumSplits/);
  });

  it('inline-map foreach: each task gets its split index and task id <parent>-<index>', async () => {
    const doc = { ...NESTED, name: 'Inline', maxNumSplits: 20 };
    const { calls } = await runLocally(compile(doc), {}, answer('inline-map', 3));
    const fans = calls.filter((c) => c.state === 'fan').map(envOf);
    expect(fans.map((e) => e.MF_TASK_ID).sort()).toEqual(['1-0', '1-1', '1-2']);
    expect(fans.map((e) => e.MF_SPLIT_INDEX).sort()).toEqual(['0', '1', '2']);
    expect(fans.every((e) => e.MF_INPUT_PATHS === 'start/1')).toBe(true);
    const innerJoin = calls.filter((c) => c.state === 'inner_join').map(envOf);
    expect(innerJoin.map((e) => e.MF_INPUT_PATHS).sort()).toEqual(['x/1-0,y/1-0', 'x/1-1,y/1-1', 'x/1-2,y/1-2']);
    expect(envOf(calls.find((c) => c.state === 'join')!)).toMatchObject({ MF_INPUT_PATHS: 'inner_join/1-*', MF_SPLIT_WIDTH: '3' });
  });
});
