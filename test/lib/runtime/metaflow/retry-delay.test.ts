import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildMetaflowDefinition, type MetaflowDefinitionRefs } from '../../../../lib/compile/metaflow-definition';
import { planFlow } from '../../../../lib/compile/plan';
import { explicitRetryDelays } from '../../../../lib/importer/static-decorators';
import { loadInterpreter } from '../../../../lib/local/asl/interpreter';
import { METAFLOW_HOST_CAUSE_PATTERN } from '../../../../lib/runtime/metaflow/host-retry';
import { TERMINATE_REASON } from '../../../../lib/runtime/naming';
import {
  METAFLOW_RETRY_DELAY_ENV,
  METAFLOW_TERMINATED_CAUSE_PATTERNS,
  METAFLOW_RETRY_DELAY_PRELUDE,
  metaflowRetryEnvelopeNames,
  metaflowRetryEnvelopeOf,
  metaflowRetryEnvelopeStates,
  rebasePaths,
} from '../../../../lib/runtime/metaflow/retry-delay';
import { validateAsl } from '../../compile/helpers';
import { FIXTURES, batchStates, recorded, type Recorded } from './fixture-deployment';

type States = Record<string, Record<string, unknown>>;

describe('rebasePaths', () => {
  test("reads Metaflow's paths under $.input, in plain paths and intrinsics; context paths and literals stay", () => {
    expect(
      rebasePaths({
        'a.$': '$.JobId',
        'b.$': '$.[1].Parameters.step_name',
        'c.$': '$',
        'd.$': '$$.Execution.Name',
        'e.$': "States.Format('{}', $.JobId)",
        f: '$.literal',
        env: [{ Name: 'X', 'Value.$': '$.[0].JobId' }, { Name: 'Y', Value: '$.not-a-path' }],
      }),
    ).toEqual({
      'a.$': '$.input.JobId',
      'b.$': '$.input.[1].Parameters.step_name',
      'c.$': '$.input',
      'd.$': '$$.Execution.Name',
      'e.$': "States.Format('{}', $.input.JobId)",
      f: '$.literal',
      env: [{ Name: 'X', 'Value.$': '$.input.[0].JobId' }, { Name: 'Y', Value: '$.not-a-path' }],
    });
  });
});

describe('which steps run in the envelope', () => {
  const fixture = recorded('branch_flow');
  const graph = fixture.graph;
  const join = [...graph.nodes.values()].find((n) => n.type === 'join')!;
  const linear = graph.nodes.get(graph.start)!;
  const retrying = { ...linear, step: { ...linear.step, retry: { times: 2, minutesBetweenRetries: 2 } } };

  test('a retry delay written in the file on a step that retries', () => {
    expect(metaflowRetryEnvelopeOf(graph, retrying, 2, 3)).toEqual({ delaySeconds: 120, attempts: 3, hostRetries: 3 });
    expect(metaflowRetryEnvelopeOf(graph, retrying, 0.5, 0)).toEqual({ delaySeconds: 30, attempts: 3, hostRetries: 0 });
  });

  test("a bare @retry (Metaflow's default delay, not written), a delay of 0 or no retries keep Metaflow's shape", () => {
    expect(metaflowRetryEnvelopeOf(graph, retrying, undefined, 3)).toBeUndefined();
    expect(metaflowRetryEnvelopeOf(graph, retrying, 0, 3)).toBeUndefined();
    expect(metaflowRetryEnvelopeOf(graph, linear, 2, 3)).toBeUndefined();
  });

  test("a split-and join only for host retries: its input is the Parallel's array, where a Catch can't add the error", () => {
    expect(metaflowRetryEnvelopeOf(graph, join, undefined, 3)).toEqual({ attempts: 1, hostRetries: 3 });
    expect(metaflowRetryEnvelopeOf(graph, join, undefined, 0)).toBeUndefined();
  });
});

describe('the envelope states', () => {
  const task = {
    Type: 'Task',
    Resource: 'arn:aws:states:::batch:submitJob.sync',
    Parameters: {
      Parameters: { 'metaflow.run_id.$': "$.Parameters.['metaflow.run_id']" },
      ContainerOverrides: { Command: ['bash', '-c', 'x'], Environment: [{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.JobId' }] },
      RetryStrategy: { Attempts: 4, EvaluateOnExit: [] },
    },
    ResultSelector: { 'JobId.$': '$.JobId', 'Parameters.$': '$.Parameters' },
  };
  const names = metaflowRetryEnvelopeNames('train');
  const states = metaflowRetryEnvelopeStates('train', task, { Next: 'end' }, { delaySeconds: 180, attempts: 4, hostRetries: 3 }) as States;

  test('the entry Pass carries the step name and wraps the input with a fresh retry state', () => {
    expect(states.train).toMatchObject({ Type: 'Pass', Parameters: { 'input.$': '$', retry: { taskId: '', carried: 0, count: 0, retryCount: '0', hosts: 0 } }, Next: names.job });
  });

  test('the Task reads under $.input, has one Batch attempt and the carried ids, catches into the Choice', () => {
    const job = states[names.job] as { Parameters: typeof task.Parameters; [k: string]: unknown };
    expect(job.Parameters.Parameters).toEqual({ 'metaflow.run_id.$': "$.input.Parameters.['metaflow.run_id']" });
    expect(job.Parameters.ContainerOverrides.Environment).toEqual([{ Name: 'METAFLOW_PARENT_TASK_ID', 'Value.$': '$.input.JobId' }, ...METAFLOW_RETRY_DELAY_ENV]);
    expect(job.Parameters.RetryStrategy).toEqual({ Attempts: 1 });
    expect(job.ResultSelector).toEqual(task.ResultSelector);
    expect(job).toMatchObject({ Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: names.choice }], ResultPath: '$.result', Next: names.done });
  });

  test("the done Pass gives Metaflow's output with the stable task id and the step's transition", () => {
    expect(states[names.done]).toMatchObject({
      Type: 'Pass',
      Parameters: { 'JobId.$': 'States.ArrayGetItem(States.Array($.result.JobId, $.retry.taskId), $.retry.carried)', 'Parameters.$': '$.result.Parameters' },
      Next: 'end',
    });
  });

  test('the Choice: a lost host (bounded) first, then a failed (not terminated) job with attempts left, else the Fail', () => {
    const host = { Variable: '$.failure.Cause', StringMatches: METAFLOW_HOST_CAUSE_PATTERN };
    const notTerminated = METAFLOW_TERMINATED_CAUSE_PATTERNS.map((pattern) => ({ Not: { Variable: '$.failure.Cause', StringMatches: pattern } }));
    expect(states[names.choice]).toMatchObject({
      Type: 'Choice',
      Choices: [
        { And: [host, { Variable: '$.retry.hosts', NumericLessThan: 3 }], Next: names.host },
        { And: [{ Variable: '$.failure.Error', StringEquals: 'States.TaskFailed' }, ...notTerminated, { Not: host }, { Variable: '$.retry.count', NumericLessThan: 3 }], Next: names.wait },
      ],
      Default: names.failed,
    });
    expect(states[names.failed]).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  test('the Choice, evaluated: only a failed job is waited on; a SubmitJob error or a terminated job fails at once', async () => {
    const { StateMachine } = loadInterpreter();
    const outcome = async (failure: { Error: string; Cause: string }, count = 0): Promise<string> => {
      const probe = new StateMachine({
        StartAt: names.choice,
        States: {
          [names.choice]: states[names.choice],
          ...Object.fromEntries([names.host, names.wait, names.failed].map((n) => [n, { Type: 'Pass', Result: n, End: true }])),
        },
      } as never, { validationOptions: { noValidate: true } });
      return (await probe.run({ failure, retry: { count, hosts: 0 } } as never).result) as string;
    };
    const job = (reason: string) => JSON.stringify({ JobId: 'j-1', Status: 'FAILED', StatusReason: reason });
    expect(await outcome({ Error: 'States.TaskFailed', Cause: job('Essential container in task exited') })).toBe(names.wait);
    expect(await outcome({ Error: 'States.TaskFailed', Cause: job('Essential container in task exited') }, 3)).toBe(names.failed);
    expect(await outcome({ Error: 'States.TaskFailed', Cause: job('Host EC2 (instance i-1) terminated.') })).toBe(names.host);
    expect(await outcome({ Error: 'States.TaskFailed', Cause: job(TERMINATE_REASON) })).toBe(names.failed);
    expect(await outcome({ Error: 'States.TaskFailed', Cause: job('Metaflow initiated job termination.') })).toBe(names.failed);
    expect(await outcome({ Error: 'Batch.AWSBatchException', Cause: 'Rate exceeded (Service: Batch, Status Code: 429)' })).toBe(names.failed);
  });

  test('a user failure waits, takes the failed job id as task id once, counts on; a lost host starts a fresh task', () => {
    expect(states[names.wait]).toEqual({ Type: 'Wait', Seconds: 180, Next: names.parse });
    expect(states[names.parse]).toMatchObject({ Parameters: { 'job.$': 'States.StringToJson($.failure.Cause)' }, ResultPath: '$.failure', Next: names.next });
    expect(states[names.next]).toMatchObject({
      Parameters: {
        'input.$': '$.input',
        retry: {
          'taskId.$': 'States.ArrayGetItem(States.Array($.failure.job.JobId, $.retry.taskId), $.retry.carried)',
          carried: 1,
          'count.$': 'States.MathAdd($.retry.count, 1)',
          'retryCount.$': "States.Format('{}', States.MathAdd($.retry.count, 1))",
          'hosts.$': '$.retry.hosts',
        },
      },
      Next: names.job,
    });
    expect(states[names.host]).toMatchObject({ Parameters: { 'input.$': '$.input', retry: { taskId: '', carried: 0, count: 0, retryCount: '0', 'hosts.$': 'States.MathAdd($.retry.hosts, 1)' } }, Next: names.job });
  });

  test('without host retries a lost host is an ordinary failure; without a delay only host failures loop', () => {
    const noHosts = metaflowRetryEnvelopeStates('train', task, { End: true }, { delaySeconds: 60, attempts: 2, hostRetries: 0 }) as States;
    const [onlyRule] = (noHosts[names.choice] as { Choices: Array<{ And: unknown[]; Next: string }> }).Choices;
    expect(onlyRule.Next).toBe(names.wait);
    expect(onlyRule.And[onlyRule.And.length - 1]).toEqual({ Variable: '$.retry.count', NumericLessThan: 1 });
    expect(JSON.stringify(onlyRule.And)).not.toContain('Host EC2');
    expect(noHosts[names.host]).toBeUndefined();
    expect(noHosts[names.done].End).toBe(true);
    const hostsOnly = metaflowRetryEnvelopeStates('train', task, { End: true }, { attempts: 4, hostRetries: 3 }) as States;
    expect((hostsOnly[names.choice] as { Choices: Array<{ Next: string }> }).Choices.map((c) => c.Next)).toEqual([names.host]);
    expect([hostsOnly[names.wait], hostsOnly[names.parse], hostsOnly[names.next]]).toEqual([undefined, undefined, undefined]);
    expect((hostsOnly[names.job] as { Parameters: typeof task.Parameters }).Parameters.RetryStrategy).toEqual(task.Parameters.RetryStrategy);
  });
});

describe('compiled into a fixture flow', () => {
  const fixture = recorded('retry_catch_timeout_flow');
  const refs: MetaflowDefinitionRefs = { partition: 'aws', jobDefinitionArn: (k) => `jd-${k}`, jobQueueArn: (q) => q };
  const build = (fixture: Recorded, retryDelayMinutes?: Record<string, number>) => {
    const queue = fixture.deployment.batchDefaults.queue.split('/').pop()!;
    const plan = planFlow(fixture.graph.document, { queues: [{ name: queue, capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 64 } }], defaultQueueName: queue, image: 'python:3.11', datastoreBucket: 'mf', datastorePrefix: 'metaflow' });
    return buildMetaflowDefinition(plan, refs, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps, retryDelayMinutes });
  };

  test('the fixture writes minutes_between_retries=0 and a bare @retry(times=4): nothing is a retry delay', () => {
    expect(explicitRetryDelays(path.join(FIXTURES, 'retry_catch_timeout_flow', 'flow.py'))).toEqual({});
  });

  test('a delay on @retry(times=4) + @catch: the envelope with 8 attempts, the prelude first; other steps unchanged', () => {
    const plain = build(fixture);
    const delayed = build(fixture, { combined: 5 });
    expect(validateAsl(delayed as never).errors).toEqual([]);
    const job = batchStates(delayed as never).find((s) => s.name === metaflowRetryEnvelopeNames('combined').job)!;
    const script = job.Parameters.ContainerOverrides.Command[2];
    expect(script.startsWith(`${METAFLOW_RETRY_DELAY_PRELUDE.join(' && ')} && true && mkdir -p $PWD/.logs && export PYTHONUNBUFFERED=x MF_PATHSPEC=`)).toBe(true);
    expect(script).toContain('--task-id ${AWS_BATCH_JOB_ID} --retry-count $((AWS_BATCH_JOB_ATTEMPT-1)) --max-user-code-retries 4 ');
    const choice = delayed.States[metaflowRetryEnvelopeNames('combined').choice] as unknown as { Choices: Array<{ And: Array<{ NumericLessThan?: number }> }> };
    expect(choice.Choices[1].And[choice.Choices[1].And.length - 1].NumericLessThan).toBe(7);
    expect((delayed.States[metaflowRetryEnvelopeNames('combined').wait] as unknown as { Seconds: number }).Seconds).toBe(300);
    for (const state of batchStates(plain as never)) {
      if (state.name === 'combined') continue;
      expect(batchStates(delayed as never).find((s) => s.name === state.name)).toEqual(state);
    }
  });
});

describe('explicitRetryDelays', () => {
  test('only a minutes_between_retries written with a literal above 0', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-retry-delays-'));
    const file = path.join(dir, 'flow.py');
    fs.writeFileSync(
      file,
      [
        'from metaflow import FlowSpec, retry, step',
        'class DelayFlow(FlowSpec):',
        '    @retry',
        '    @step',
        '    def start(self):',
        '        self.next(self.a)',
        '    @retry(times=1, minutes_between_retries=0)',
        '    @step',
        '    def a(self):',
        '        self.next(self.b)',
        '    @retry(times=1, minutes_between_retries="3")',
        '    @step',
        '    def b(self):',
        '        self.next(self.c)',
        '    @retry(minutes_between_retries=0.5)',
        '    @step',
        '    def c(self):',
        '        self.next(self.end)',
        '    @step',
        '    def end(self):',
        '        pass',
        '',
        'if __name__ == "__main__":',
        '    DelayFlow()',
      ].join('\n'),
    );
    try {
      expect(explicitRetryDelays(file)).toEqual({ b: 3, c: 0.5 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
