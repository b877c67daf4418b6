import * as fs from 'fs';
import * as path from 'path';
import { buildMetaflowDefinition, METAFLOW_INPUT_STATE, standardPaths, type MetaflowDefinitionRefs } from '../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../lib/compile/plan';
import type { CompileOptions } from '../../../lib/compile/options';
import { ValidationError } from '../../../lib/errors';
import { decodeManifest } from '../../../lib/runtime/manifest';
import { isMetaflowHostRetryState, METAFLOW_HOST_EVALUATE_ON_EXIT, metaflowHostRetryStateNames } from '../../../lib/runtime/metaflow/host-retry';
import { isMetaflowRetryEnvelopeState, metaflowRetryEnvelopeNames } from '../../../lib/runtime/metaflow/retry-delay';
import { FIXTURES, FIXTURE_FLOWS, batchStates, normaliseEnvFiles, normaliseOurAdditions, recorded, type Recorded } from '../runtime/metaflow/fixture-deployment';
import { CARDINALITY_PROJECTION, JOIN_PARENTS_PATH } from '../../../lib/runtime/metaflow/inline-foreach-order';
import { validateAsl } from './helpers';

type States = Record<string, Record<string, unknown>>;

/** Queues named by the flow's steps (Metaflow's fixtures route by queue ARN) plus Metaflow's default queue. */
function optionsFor(fixture: Recorded): CompileOptions {
  const queueName = (q: string) => (q.startsWith('arn:') ? q.split('/').pop()! : q);
  const names = new Set([queueName(fixture.deployment.batchDefaults.queue), ...[...fixture.graph.nodes.values()].flatMap((n) => (n.step.queue ? [queueName(n.step.queue)] : []))]);
  return {
    queues: [...names].map((name) => ({ name, capabilities: { platform: 'EC2', gpu: true, neuron: true, spot: true, maxVcpus: 1024 } })),
    defaultQueueName: queueName(fixture.deployment.batchDefaults.queue),
    image: fixture.deployment.batchDefaults.image,
    datastoreBucket: 'mf',
    datastorePrefix: 'metaflow',
  };
}

/** Metaflow's own foreach shape for every foreach: chain bodies default to array jobs (metaflow-array-foreach.test.ts). */
function inlineMapEverywhere(fixture: Recorded): CompileOptions['foreachStrategies'] {
  return Object.fromEntries([...fixture.graph.nodes.values()].filter((n) => n.type === 'foreach').map((n) => [n.name, 'inline-map' as const]));
}

function compile(fixture: Recorded) {
  const metaflowStates = new Map(fixture.states.map((s) => [s.name, s]));
  const refs: MetaflowDefinitionRefs = {
    partition: 'aws',
    jobDefinitionArn: (key) => `jd-${key}`,
    jobQueueArn: (name) => `arn:aws:batch:us-east-1:123456789012:job-queue/${name}`,
  };
  const plan = planFlow(fixture.graph.document, { ...optionsFor(fixture), foreachStrategies: inlineMapEverywhere(fixture) });
  const definition = buildMetaflowDefinition(plan, refs, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps });
  return { plan, definition, metaflowStates };
}

/**
 * Metaflow's shape of a definition whose steps run in the retry envelope (a split-and join with host retries): the
 * envelope's Task under the step's name, reading Metaflow's input at `$` again, with the `done` Pass's transition.
 */
function withoutEnvelopes(states: States): States {
  const out: States = {};
  for (const [name, state] of Object.entries(states)) {
    if (isMetaflowRetryEnvelopeState(name)) continue;
    const names = metaflowRetryEnvelopeNames(name);
    const job = states[names.job];
    let copy: Record<string, unknown> = { ...state };
    if (state.Type === 'Pass' && job !== undefined) {
      const { Catch: _c, ResultPath: _r, Next: _n, ...task } = JSON.parse(JSON.stringify(job).replace(/"\$\.input(?=[."\[])/g, '"$')) as Record<string, unknown>;
      const { Type: _t, Comment: _m, Parameters: _p, ...transition } = states[names.done];
      copy = { ...task, ...transition };
    }
    if (copy.Iterator) copy.Iterator = { ...(copy.Iterator as object), States: withoutEnvelopes((copy.Iterator as { States: States }).States) };
    if (copy.Branches) copy.Branches = (copy.Branches as Array<{ States: States }>).map((b) => ({ ...b, States: withoutEnvelopes(b.States) }));
    out[name] = copy;
  }
  return out;
}

/** Every state of a definition by name, with the names of the states that hold it (Map iterators, Parallel branches). */
function flatten(states: States, parents: string[] = []): Array<{ name: string; state: Record<string, unknown>; parents: string[] }> {
  return Object.entries(states).flatMap(([name, state]) => {
    const inner = [
      ...(state.Iterator ? [(state.Iterator as { States: States }).States] : []),
      ...(state.ItemProcessor ? [(state.ItemProcessor as { States: States }).States] : []),
      ...((state.Branches as Array<{ States: States }> | undefined) ?? []).map((b) => b.States),
    ];
    return [{ name, state, parents }, ...inner.flatMap((s) => flatten(s, [...parents, name]))];
  });
}

describe.each(FIXTURE_FLOWS)('the Metaflow definition of %s', (dir) => {
  const fixture = recorded(dir);
  const { plan, definition: compiled } = compile(fixture);
  // Our additions around a step are compared in their own tests (host-retry.test.ts, retry-delay.test.ts).
  const definition = { ...compiled, States: withoutEnvelopes(compiled.States as States) };
  // Compared in standard JSONPath syntax (Metaflow's `$.[0]` is `$[0]`; asl-validator accepts only the latter).
  const theirs = standardPaths(JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8'))) as { StartAt: string; States: States };

  test('passes asl-validator', () => {
    expect(validateAsl(compiled as never).errors).toEqual([]);
  });

  test("has Metaflow's states, nested the same way, after our init states", () => {
    // Our additions: a PutItem of the join order and a Pass between each foreach Map and its join (see
    // inline-foreach-order.ts, metaflowJoinInputState), and the host-retry states each Batch task catches into.
    const additions = flatten(definition.States as States).filter((s) => s.name.endsWith('.join') || s.name.endsWith('.join-order'));
    const beyond = (name: string): string => (additions.some((s) => s.name === name) ? beyond(String(additions.find((s) => s.name === name)!.state.Next)) : name);
    const passes = new Map(additions.map((s) => [s.name, beyond(s.name)]));
    const ours = flatten(definition.States as States)
      .filter((s) => !s.name.startsWith('Init.') && !passes.has(s.name) && !isMetaflowHostRetryState(s.name))
      .map((s) => (passes.has(String(s.state.Next)) ? { ...s, state: { ...s.state, Next: passes.get(String(s.state.Next)) } } : s));
    const expected = flatten(theirs.States);
    expect(ours.map((s) => [s.name, s.state.Type, s.parents.join('/'), s.state.Next ?? null, s.state.End ?? null]).sort()).toEqual(
      expected.map((s) => [s.name, s.state.Type, s.parents.join('/'), s.state.Next ?? null, s.state.End ?? null]).sort(),
    );
    expect((definition.States[METAFLOW_INPUT_STATE] as unknown as { Next: string }).Next).toBe(theirs.StartAt);
  });

  test.each(batchStates(theirs).map((s) => [s.name, s] as const))('step %s: command, environment, job parameters, attempts and timeout equal Metaflow\'s', (name, state) => {
    const ours = batchStates(definition as never).find((s) => s.name === name)!;
    const normalise = (p: unknown) => JSON.parse(normaliseEnvFiles(normaliseOurAdditions(JSON.stringify(p))));
    const { JobDefinition: _a, JobQueue: _b, RetryStrategy: oursRetry, ...oursRest } = ours.Parameters as typeof ours.Parameters & { RetryStrategy: { EvaluateOnExit?: unknown } };
    const { JobDefinition: _c, JobQueue: _d, RetryStrategy: theirsRetry, ...theirsRest } = state.Parameters;
    expect(normalise(oursRest)).toEqual(normalise(theirsRest));
    // Metaflow's attempts; host failures end the job so the state machine can submit a fresh one.
    expect(oursRetry).toEqual({ ...theirsRetry, EvaluateOnExit: METAFLOW_HOST_EVALUATE_ON_EXIT });
    expect(ours.Parameters.JobQueue.split('/').pop()).toBe(state.Parameters.JobQueue.split('/').pop());
  });

  test('foreach cardinality reads, Map parameters and the join input are Metaflow\'s', () => {
    const ours = new Map(flatten(definition.States as States).map((s) => [s.name, s.state]));
    for (const { name, state } of flatten(theirs.States)) {
      if (state.Type === 'Map') {
        const { Iterator: _i, Comment: _c, Next: next, ResultPath: resultPath, MaxConcurrency: _n, ...rest } = ours.get(name)! as Record<string, unknown>;
        const { Iterator: _j, MaxConcurrency: _m, OutputPath: _o, Next: join, ...expected } = state;
        expect(rest).toEqual(expected);
        // The Map's results (job ids) go to the join-order PutItem; the Pass rebuilds the join's input from the
        // foreach task's output.
        expect(resultPath).toBe(JOIN_PARENTS_PATH);
        const joinOrder = ours.get(String(next)) as { Resource: string; Next: string };
        expect(joinOrder.Resource).toMatch(/:dynamodb:putItem$/);
        expect((ours.get(joinOrder.Next) as { Next: string }).Next).toBe(join);
      }
      // The cardinality read also takes the item's ttl, for the join-order item.
      if (String(state.Resource).endsWith('dynamodb:getItem')) {
        expect(ours.get(name)).toEqual({ ...state, Parameters: { ...(state.Parameters as object), ...CARDINALITY_PROJECTION } });
      }
    }
  });

  test('rewrites only the syntax of Metaflow\'s paths', () => {
    expect(standardPaths({ a: "$.Parameters.['metaflow.run_id']", b: '$.[0]', c: 'x.[y' })).toEqual({ a: "$.Parameters['metaflow.run_id']", b: '$[0]', c: 'x.[y' });
  });

  test('every Batch task keeps exactly JobId and Parameters; the last of a foreach iteration only its JobId', () => {
    const lastInIteration = new Set(
      flatten(definition.States as States)
        .filter((s) => s.state.Type === 'Map')
        .flatMap((m) => Object.entries((m.state.Iterator as { States: States }).States).filter(([, st]) => st.End === true).map(([n]) => n)),
    );
    for (const s of batchStates(definition as never)) {
      const selector = (s as unknown as { ResultSelector: unknown }).ResultSelector;
      expect(selector).toEqual(lastInIteration.has(s.name) ? { 'JobId.$': '$.JobId' } : { 'JobId.$': '$.JobId', 'Parameters.$': '$.Parameters' });
    }
  });

  test('records the foreach strategy in the plan and the manifest', () => {
    const foreaches = [...fixture.graph.nodes.values()].filter((n) => n.type === 'foreach').map((n) => n.name);
    expect(Object.keys(plan.foreachStrategies).sort()).toEqual(foreaches.sort());
    for (const f of foreaches) expect(plan.foreachStrategies[f]).toBe('inline-map');
    expect(decodeManifest(definition.Comment)?.flow).toBe(fixture.graph.document.name);
  });
});

describe('Metaflow plan and init states', () => {
  const fixture = recorded('params_flow');

  test('Parameters reach the start step as the JSON string Metaflow reads, after the required-parameter check', () => {
    const { definition } = compile(fixture);
    const input = definition.States[METAFLOW_INPUT_STATE] as unknown as { Parameters: Record<string, string> };
    expect(input.Parameters['Parameters.$']).toBe('States.JsonToString($.top.Parameters)');
    expect(definition.StartAt).toBe('Init.defaults');
    const env = batchStates(definition as never).find((s) => s.name === 'start')!.Parameters.ContainerOverrides.Environment;
    expect(env.find((e) => e.Name === 'METAFLOW_PARAMETERS')).toEqual({ Name: 'METAFLOW_PARAMETERS', 'Value.$': '$.Parameters' });
  });

  test('job definitions hold no command of their own and no injected @secrets', () => {
    const doc = { ...fixture.graph.document, steps: fixture.graph.document.steps.map((s) => (s.name === 'start' ? { ...s, secrets: ['db-password'] } : s)) };
    const plan = planFlow(doc, optionsFor(fixture));
    for (const spec of plan.jobDefinitions) {
      expect(spec.command.join(' ')).toContain('ContainerOverrides');
      expect(spec.secrets).toEqual({});
    }
  });

  test('array-job forced on a foreach whose body is not a chain is refused with the way out', () => {
    const nested = recorded('nested_foreach_flow');
    const foreach = [...nested.graph.nodes.values()].find((n) => n.type === 'foreach')!.name;
    let error: unknown;
    try {
      planFlow(nested.graph.document, { ...optionsFor(nested), foreachStrategies: { [foreach]: 'array-job' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([expect.objectContaining({ field: 'foreachStrategy', value: 'array-job', fix: expect.stringContaining('inline-map') })]);
  });
});

describe('spot-aware retries of Metaflow steps', () => {
  const fixture = recorded('nested_foreach_flow');
  const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (key) => `jd-${key}`, jobQueueArn: (name) => name };
  const build = (hostRetries?: number) =>
    buildMetaflowDefinition(planFlow(fixture.graph.document, { ...optionsFor(fixture), foreachStrategies: inlineMapEverywhere(fixture), hostRetries }), refs, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps });
  /** Every scope (top level, Map iterators, Parallel branches) with its own states. */
  const scopes = (states: States): States[] => [
    states,
    ...Object.values(states).flatMap((s) => [
      ...(s.Iterator ? scopes((s.Iterator as { States: States }).States) : []),
      ...((s.Branches as Array<{ States: States }> | undefined) ?? []).flatMap((b) => scopes(b.States)),
    ]),
  ];

  test('every Batch task catches into its own Choice, Passes and Fail in the same scope, bounded by hostRetries (default 3)', () => {
    for (const [hostRetries, bound] of [[undefined, 3], [5, 5]] as const) {
      const definition = build(hostRetries);
      expect(validateAsl(definition as never).errors).toEqual([]);
      let tasks = 0;
      for (const scope of scopes(definition.States as States)) {
        for (const [name, state] of Object.entries(scope)) {
          if (!String(state.Resource).includes(':batch:')) continue;
          tasks++;
          const names = metaflowHostRetryStateNames(name);
          expect(state.Catch).toEqual([{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.hostFailure', Next: names.choice }]);
          expect(scope[names.choice].Type).toBe('Choice');
          expect((scope[names.choice].Choices as Array<{ NumericLessThan?: number }>)[2].NumericLessThan).toBe(bound);
          expect([scope[names.first].Next, scope[names.again].Next]).toEqual([name, name]);
          expect(scope[names.failed].Type).toBe('Fail');
        }
      }
      expect(tasks).toBe(fixture.graph.nodes.size);
    }
  });

  test("hostRetries 0 keeps Metaflow's task states exactly: no catcher, no EvaluateOnExit", () => {
    const definition = build(0);
    const all = flatten(definition.States as States);
    expect(all.filter((s) => isMetaflowHostRetryState(s.name))).toEqual([]);
    for (const s of batchStates(definition as never)) {
      expect((s as unknown as { Catch?: unknown }).Catch).toBeUndefined();
      expect(Object.keys(s.Parameters.RetryStrategy)).toEqual(['Attempts']);
    }
  });
});
