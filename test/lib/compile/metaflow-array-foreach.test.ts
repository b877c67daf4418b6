import * as fs from 'fs';
import * as path from 'path';
import { buildMetaflowDefinition, standardPaths, type MetaflowDefinitionRefs } from '../../../lib/compile/metaflow-definition';
import { metaflowArrayForeachStateNames, metaflowSingleBodyStateName } from '../../../lib/compile/metaflow-array-foreach';
import { chooseMetaflowForeachStrategy } from '../../../lib/compile/metaflow-foreach-strategy';
import { planFlow } from '../../../lib/compile/plan';
import { BATCH_MAX_OVERRIDES_CHARS, type CompileOptions } from '../../../lib/compile/options';
import { ValidationError } from '../../../lib/errors';
import { analyzeFlow } from '../../../lib/graph';
import { decodeManifest } from '../../../lib/runtime/manifest';
import {
  ARRAY_FOREACH_ENV,
  BATCH_JOB_ID_LENGTH,
  DYNAMODB_ITEM_MAX_BYTES,
  INPUT_PATHS_FILE,
  dynamoDbNumberBytes,
  JOIN_SET_BLOCK,
  joinSetItemBytes,
  METAFLOW_ARRAY_FOREACH_MAX_WIDTH,
  metaflowCardinalityItemBytes,
} from '../../../lib/runtime/metaflow/array-foreach';
import { isMetaflowHostRetryState } from '../../../lib/runtime/metaflow/host-retry';
import { FIXTURES, batchStates, normaliseEnvFiles, recorded, type BatchState, type Recorded } from '../runtime/metaflow/fixture-deployment';
import { validateAsl } from './helpers';
import { everyState } from '../../../lib/compile/asl';

type States = Record<string, Record<string, unknown>>;
const FANOUT_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:fanout';

function optionsFor(fixture: Recorded, foreachStrategies?: CompileOptions['foreachStrategies']): CompileOptions {
  const queueName = (q: string) => (q.startsWith('arn:') ? q.split('/').pop()! : q);
  const name = queueName(fixture.deployment.batchDefaults.queue);
  return {
    queues: [{ name, capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 1024 } }],
    defaultQueueName: name,
    image: fixture.deployment.batchDefaults.image,
    datastoreBucket: 'mf',
    datastorePrefix: 'metaflow',
    ...(foreachStrategies ? { foreachStrategies } : {}),
  };
}

const refs: MetaflowDefinitionRefs = {
  partition: 'aws',
  jobDefinitionArn: (key) => `jd-${key}`,
  jobQueueArn: (name) => `arn:aws:batch:us-east-1:123456789012:job-queue/${name}`,
  fanoutFunctionArn: FANOUT_ARN,
};

function compile(fixture: Recorded) {
  const plan = planFlow(fixture.graph.document, optionsFor(fixture));
  return { plan, definition: buildMetaflowDefinition(plan, refs, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps }) };
}

/** Every state by name, nested ones included (names are unique across the machine). */
/** Every state by name; names are unique across the whole definition, as Step Functions requires. */
function allStates(states: States): Map<string, Record<string, unknown>> {
  const all = everyState(states);
  const byName = new Map(all);
  expect(byName.size).toBe(all.length);
  return byName;
}

const env = (s: BatchState) => s.Parameters.ContainerOverrides.Environment;
const script = (s: BatchState) => normaliseEnvFiles(s.Parameters.ContainerOverrides.Command[2]);
const theirStates = (dir: string) => batchStates(standardPaths(JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8'))));

describe('the strategy of a Metaflow foreach', () => {
  const foreachFlow = recorded('foreach_flow');
  const nested = recorded('nested_foreach_flow');

  test('a chain body runs as array jobs, anything else as Metaflow\'s inline Map; visible in the plan and the manifest', () => {
    const { plan, definition } = compile(nested);
    expect(plan.foreachStrategies).toEqual({ start: 'inline-map', row: 'array-job' });
    expect(decodeManifest(definition.Comment)?.steps.filter((s) => s.foreachStrategy).map((s) => [s.name, s.foreachStrategy])).toEqual([['start', 'inline-map'], ['row', 'array-job']]);
    expect(compile(foreachFlow).plan.foreachStrategies).toEqual({ start: 'array-job' });
  });

  test('@retry and @catch in the body keep array jobs (Metaflow handles both in the task); retry delays do not', () => {
    // As the importer writes it: Metaflow's default of 2 minutes in the step, the written delay in the runtime.
    const withRetry = (retry: { times: number; minutesBetweenRetries?: number }, catchIt = false) => {
      const doc = foreachFlow.graph.document;
      const runtime = { ...(doc.runtime as Extract<typeof doc.runtime, { kind: 'metaflow' }>), ...(retry.minutesBetweenRetries ? { retryDelayMinutes: { decorate: retry.minutesBetweenRetries } } : {}) };
      const steps = doc.steps.map((s) => (s.name === 'decorate' ? { ...s, retry: { times: retry.times, minutesBetweenRetries: retry.minutesBetweenRetries ?? 2 }, ...(catchIt ? { catch: {} } : {}) } : s));
      return analyzeFlow({ ...doc, runtime, steps });
    };
    const choose = (graph: ReturnType<typeof analyzeFlow>, forced?: 'array-job') =>
      chooseMetaflowForeachStrategy(graph, graph.nodes.get('start')!, forced ? { foreachStrategies: { start: forced } } : {});
    expect(choose(withRetry({ times: 2 }, true))).toEqual({ strategy: 'array-job', problems: [] });
    expect(choose(withRetry({ times: 2, minutesBetweenRetries: 1 })).strategy).toBe('inline-map');
    expect(choose(withRetry({ times: 2, minutesBetweenRetries: 1 }), 'array-job').problems).toEqual([
      expect.objectContaining({ where: 'flow "ForeachAnchorFlow" step "start"', field: 'foreachStrategy', value: 'array-job', message: expect.stringContaining('"decorate" waits between retries'), fix: expect.stringContaining('inline-map') }),
    ]);
  });

  test('forcing inline-map keeps Metaflow\'s shape; forcing distributed-map or array-job on a non-chain body is refused at plan time', () => {
    expect(planFlow(foreachFlow.graph.document, optionsFor(foreachFlow, { start: 'inline-map' })).foreachStrategies).toEqual({ start: 'inline-map' });
    for (const [fixture, forced] of [[foreachFlow, { start: 'distributed-map' }], [nested, { start: 'array-job' }]] as const) {
      let error: unknown;
      try {
        planFlow(fixture.graph.document, optionsFor(fixture, forced));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([expect.objectContaining({ field: 'foreachStrategy', value: Object.values(forced)[0], fix: expect.stringContaining('"inline-map"') })]);
    }
  });
});

describe('the widest array-job foreach', () => {
  test('numbers cost DynamoDB\'s base-100 digit pairs plus one byte, never less than its documented approximation', () => {
    // 0 | 7 | 12 | 100 = 1|00 trimmed | 110 = 1|10 | 123 = 1|23 | 1000 = 10|00 trimmed | 12345 = 1|23|45 | 99999 = 9|99|99
    expect([0, 7, 12, 100, 110, 123, 1000, 12345, 99999].map(dynamoDbNumberBytes)).toEqual([1, 2, 2, 2, 3, 3, 2, 4, 4]);
    const documented = (n: number) => Math.ceil(String(n).replace(/^0+|0+$/g, '').length / 2) + 1;
    for (let n = 1; n < 20_000; n += 7) expect(dynamoDbNumberBytes(n)).toBeGreaterThanOrEqual(documented(n));
  });

  test('is the most splits whose cardinality item (Metaflow\'s number set of 0..N-1) fits 400 KB', () => {
    expect(metaflowCardinalityItemBytes(METAFLOW_ARRAY_FOREACH_MAX_WIDTH)).toBeLessThanOrEqual(DYNAMODB_ITEM_MAX_BYTES);
    expect(metaflowCardinalityItemBytes(METAFLOW_ARRAY_FOREACH_MAX_WIDTH + 1)).toBeGreaterThan(DYNAMODB_ITEM_MAX_BYTES);
    expect(METAFLOW_ARRAY_FOREACH_MAX_WIDTH).toBeGreaterThan(100_000);
    // a split costs its index in the number set only: 5-digit indexes take 3 or 4 bytes
    expect(metaflowCardinalityItemBytes(10_001) - metaflowCardinalityItemBytes(10_000)).toBe(dynamoDbNumberBytes(10_000));
    expect(BATCH_JOB_ID_LENGTH).toBe('2f5a6c1e-0d7b-4e49-9d8c-3b1f6a0e9c21'.length);
  });

  test('keeps every join-set item small at the ceiling', () => {
    expect(joinSetItemBytes(METAFLOW_ARRAY_FOREACH_MAX_WIDTH)).toBeLessThan(5 * 1024);
    expect(joinSetItemBytes(METAFLOW_ARRAY_FOREACH_MAX_WIDTH)).toBeGreaterThan(JOIN_SET_BLOCK * BATCH_JOB_ID_LENGTH);
  });

  test('is stated in docs/foreach-at-scale.md', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'foreach-at-scale.md'), 'utf-8')).toContain(`${METAFLOW_ARRAY_FOREACH_MAX_WIDTH.toLocaleString('en-US')} splits`);
  });
});

describe('the array-job definition of foreach_flow', () => {
  const fixture = recorded('foreach_flow');
  const { definition } = compile(fixture);
  const states = allStates(definition.States as States);
  const names = metaflowArrayForeachStateNames('upper');
  const theirs = new Map(theirStates('foreach_flow').map((s) => [s.name, s]));
  const ours = new Map(batchStates(definition as never).map((s) => [s.name, s]));

  test('passes asl-validator', () => {
    expect(validateAsl(definition as never).errors).toEqual([]);
  });

  test('the foreach task goes to the fan-out, which reads the width Metaflow wrote under the foreach job id', () => {
    expect(states.get('start')!.Next).toBe(names.fanout);
    const fanout = states.get(names.fanout) as { Parameters: { FunctionName: string; Payload: Record<string, unknown> }; ResultPath: string; Next: string };
    expect(fanout.Parameters.FunctionName).toBe(FANOUT_ARN);
    expect(fanout.Parameters.Payload).toEqual(expect.objectContaining({ step: 'start', strategy: 'array-job', 'jobId.$': '$.JobId' }));
    expect(fanout.ResultPath).toBe('$.fanout');
    expect(states.get(names.width)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.fanout.width', NumericGreaterThan: METAFLOW_ARRAY_FOREACH_MAX_WIDTH, Next: names.tooWide },
        { Variable: '$.fanout.width', NumericLessThan: 1, Next: names.empty },
        { Variable: '$.fanout.width', NumericEquals: 1, Next: names.single },
      ],
      Default: names.waves,
    });
    expect(states.get(names.tooWide)).toEqual(expect.objectContaining({ Type: 'Fail', Error: 'MetaflowForeachTooWide', Cause: expect.stringContaining(`more than ${METAFLOW_ARRAY_FOREACH_MAX_WIDTH.toLocaleString('en-US')} splits`) }));
    expect((states.get(names.tooWide) as { Cause: string }).Cause).toMatch(/nested foreach/);
    expect(fanout.Parameters.Payload.joinSetBlock).toBe(JOIN_SET_BLOCK);
    expect(states.get(names.empty)).toEqual(expect.objectContaining({ Type: 'Fail', Error: 'MetaflowForeachEmpty' }));
  });

  test('each chunk gives the body what a Map iteration of Metaflow\'s would: JobId, SplitParentTaskId, Parameters, Index', () => {
    const chunks = states.get(names.chunks) as { ItemSelector: Record<string, string> };
    expect(chunks.ItemSelector).toEqual({
      'JobId.$': '$.JobId',
      'SplitParentTaskId.$': '$.JobId',
      'Parameters.$': '$.Parameters',
      'Index.$': "States.Format('{}', $$.Map.Item.Value.offset)",
      'Size.$': '$$.Map.Item.Value.size',
      'DependsOn.$': '$$.Map.Item.Value.dependsOn',
    });
    expect((states.get(names.waves) as { ItemSelector: Record<string, string> }).ItemSelector['Parameters.$']).toContain('split_parent_task_id_start');
    expect((states.get(names.single) as { Parameters: Record<string, string> }).Parameters).toEqual(expect.objectContaining({ Index: '0', 'SplitParentTaskId.$': '$.JobId' }));
    for (const [name, next] of [[names.waves, '*upper.join'], [names.single, '*upper.join'], ['*upper.join', 'gather']]) expect(states.get(name)!.Next).toBe(next);
  });

  test.each(['upper', 'decorate'])('body step %s: Metaflow\'s job, as an array job whose tasks first derive their id and split index', (step) => {
    for (const name of [step, metaflowSingleBodyStateName(step)]) {
      const state = ours.get(name)!;
      const mine = state.Parameters as BatchState['Parameters'] & { ArrayProperties?: unknown; 'DependsOn.$'?: string };
      const metaflow = theirs.get(step)!.Parameters;
      expect(mine.ArrayProperties).toEqual(name === step ? { 'Size.$': '$.Size' } : undefined);
      expect(mine.RetryStrategy).toEqual(metaflow.RetryStrategy);
      expect(mine.Parameters).toEqual(metaflow.Parameters);
      expect(mine.ContainerOverrides.ResourceRequirements).toEqual(metaflow.ContainerOverrides.ResourceRequirements);
      const first = step === 'upper';
      const added = env(state).filter((e) => e.Name.startsWith('MFCDK_'));
      expect(env(state).filter((e) => !e.Name.startsWith('MFCDK_'))).toEqual(metaflow.ContainerOverrides.Environment);
      expect(added).toEqual([
        { Name: ARRAY_FOREACH_ENV.offset, 'Value.$': '$.Index' },
        { Name: ARRAY_FOREACH_ENV.splitParent, 'Value.$': first ? '$.SplitParentTaskId' : '$.Parameters.split_parent_task_id_start' },
      ]);
      // the last body step adds its id to the join set of its block of 100 splits, not to the foreach's own item
      const joinSet = first ? '' : ' METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN=${MFCDK_SPLIT_PARENT_TASK_ID}-joins-$((MFCDK_SPLIT_INDEX/100))';
      const prelude =
        'export MFCDK_BATCH_JOB_ID=$AWS_BATCH_JOB_ID MFCDK_SPLIT_INDEX=$((MFCDK_SPLIT_OFFSET+${AWS_BATCH_JOB_ARRAY_INDEX:-0})) && ' +
        `export AWS_BATCH_JOB_ID=\${MFCDK_SPLIT_PARENT_TASK_ID}-\${MFCDK_SPLIT_INDEX} ${first ? 'METAFLOW_SPLIT_INDEX=$MFCDK_SPLIT_INDEX' : 'METAFLOW_PARENT_TASK_ID=${MFCDK_SPLIT_PARENT_TASK_ID}-${MFCDK_SPLIT_INDEX}'}${joinSet} && `;
      expect(script(state)).toBe(`${prelude}${script(theirs.get(step)!)}`);
      expect(script(state).indexOf('export AWS_BATCH_JOB_ID=')).toBeLessThan(script(state).indexOf('MF_PATHSPEC='));
      // Batch's bound on ContainerOverrides (command + environment) still holds with the prelude
      expect(JSON.stringify(mine.ContainerOverrides.Command).length + JSON.stringify(env(state)).length).toBeLessThan(BATCH_MAX_OVERRIDES_CHARS);
    }
  });

  test('the join derives its parents in split order from the width and passes them in a file, reading nothing back', () => {
    const join = ours.get('gather')!;
    const metaflow = theirs.get('gather')!;
    expect(env(join).filter((e) => e.Name !== ARRAY_FOREACH_ENV.width)).toEqual(env(metaflow));
    expect(env(join)).toContainEqual({ Name: ARRAY_FOREACH_ENV.width, 'Value.$': '$.ForeachWidth' });
    expect((states.get('*upper.join') as { Parameters: Record<string, string> }).Parameters['ForeachWidth.$']).toBe("States.Format('{}', $.fanout.width)");
    const inputs = 'sfn-${METAFLOW_RUN_ID}/decorate/:${METAFLOW_PARENT_TASK_IDS}';
    const derive = `python -c 'import os; e = os.environ; p = e["METAFLOW_SPLIT_PARENT_TASK_ID"]; open("${INPUT_PATHS_FILE}", "w").write("sfn-%s/decorate/:" % e["METAFLOW_RUN_ID"] + ",".join("%s-%d" % (p, i) for i in range(int(e["MFCDK_FOREACH_WIDTH"]))))'`;
    expect(script(join)).toBe(
      script(metaflow)
        .replace(/python -m metaflow\.plugins\.aws\.step_functions\.set_batch_environment parent_tasks ENVFILE && \. `pwd`\/ENVFILE/, derive)
        .replace(`--input-paths ${inputs}`, `--input-paths-filename ${INPUT_PATHS_FILE}`),
    );
  });

  test('refuses to build without the fan-out Lambda', () => {
    const plan = planFlow(fixture.graph.document, optionsFor(fixture));
    expect(() => buildMetaflowDefinition(plan, { ...refs, fanoutFunctionArn: undefined }, fixture.deployment)).toThrow(/fanoutFunctionArn/);
  });
});

describe('the array-job definition of nested_foreach_flow', () => {
  const fixture = recorded('nested_foreach_flow');
  const { definition } = compile(fixture);
  const theirs = new Map(theirStates('nested_foreach_flow').map((s) => [s.name, s]));

  test('the inner foreach runs its array jobs inside the outer Map\'s iteration, carrying the outer split parent', () => {
    expect(validateAsl(definition as never).errors).toEqual([]);
    const outer = (definition.States as States)['*row'] as { Iterator: { States: States } };
    const outerStates = Object.keys(outer.Iterator.States).filter((n) => !isMetaflowHostRetryState(n));
    expect(outerStates.sort()).toEqual(['*cell', '*cell.empty', '*cell.fanout', '*cell.join', '*cell.single', '*cell.too-wide', '*cell.width', 'join_cols', 'row']);
    const cell = batchStates(definition as never).find((s) => s.name === 'cell')!;
    expect(cell.Parameters.Parameters).toEqual(theirs.get('cell')!.Parameters.Parameters);
    expect(cell.Parameters.Parameters['split_parent_task_id_start.$']).toBe('$.Parameters.split_parent_task_id_start');
  });
});
