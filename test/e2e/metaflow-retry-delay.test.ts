import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../constructs/flow';
import { metaflowStandin } from '../../lib/local/batch/command-hook';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { findFlow } from '../../lib/local/template/flows';
import { metaflowRetryEnvelopeNames } from '../../lib/runtime/metaflow/retry-delay';
import { REPO } from './harness';
import { e2eInfrastructure, scanCoordinationItems, type CoordinationItem } from '../support/metaflow-e2e';

// Python Metaflow flows with @retry(minutes_between_retries=M) through MetaflowFlow and the local engine, every step
// the protocol-faithful stand-in with test-only faults: the state machine retries after M minutes (shortened by
// waitScale; the definition keeps M*60 s) and Metaflow's step sees one task with retry counts 0, 1, 2, ...

const RETRY_DELAY_FLOW = `from metaflow import FlowSpec, catch, retry, step


class RetryDelayFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.fan_out)

    @retry(times=2, minutes_between_retries=2)
    @step
    def fan_out(self):
        self.items = [1, 2]
        self.next(self.body, foreach="items")

    @retry(times=1, minutes_between_retries=1)
    @step
    def body(self):
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.next(self.fan)

    @step
    def fan(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.next(self.merge)

    @step
    def right(self):
        self.next(self.merge)

    @retry(times=1, minutes_between_retries=1)
    @step
    def merge(self, inputs):
        self.next(self.guarded)

    @catch(var="failure")
    @retry(times=1, minutes_between_retries=3)
    @step
    def guarded(self):
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    RetryDelayFlow()
`;

// Metaflow's own shape (Batch retries) for a bare @retry; a spot reclaim of a split-and join's job.
const HOST_JOIN_FLOW = `from metaflow import FlowSpec, retry, step


class HostJoinFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.left, self.right)

    @retry(times=1)
    @step
    def left(self):
        self.next(self.merge)

    @step
    def right(self):
        self.next(self.merge)

    @step
    def merge(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    HostJoinFlow()
`;

interface Attempt { retry_count: number; batch_job_id: string; outcome: 'failed' | 'succeeded' | 'fallback' }
interface TaskRecord { pathspec: string; inputs: string[]; retry_count: number; max_user_code_retries: number; fallback: boolean; split_index?: number; attempts: Attempt[] }
interface FlowRun {
  readonly result: LocalRunResult;
  readonly definition: { States: Record<string, Record<string, unknown>> };
  readonly tasks: (step: string) => TaskRecord[];
  /** Batch job ids the engine ran per step (first attempt of each job), from the job logs. */
  readonly jobs: (step: string) => string[];
  readonly entered: (state: string) => number;
  readonly items: Map<string, CoordinationItem>;
}

const WAIT_SCALE = 0.0005;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-retry-delay-'));
const runs = new Map<string, FlowRun>();

function synthesize(): LocalAssembly {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'RetryDelay');
  const infrastructure = e2eInfrastructure(stack);
  for (const [name, source] of [['retry_delay_flow', RETRY_DELAY_FLOW], ['host_join_flow', HOST_JOIN_FLOW]]) {
    fs.mkdirSync(path.join(work, name));
    fs.writeFileSync(path.join(work, name, 'flow.py'), source);
    new MetaflowFlow(stack, name, { infrastructure, pythonFlowFile: path.join(work, name, 'flow.py'), image: 'python:3.11' });
  }
  app.synth();
  return LocalAssembly.fromDirectory(outdir);
}


async function runFlow(assembly: LocalAssembly, dir: string, flow: string, faults: { fail?: Record<string, number>; reclaim?: Record<string, number> }): Promise<FlowRun> {
  const datastore = path.join(work, 'datastore');
  const entries = new Map<string, number>();
  let items = new Map<string, CoordinationItem>();
  const result = await runLocalFlow({
    assembly,
    flow,
    cwd: REPO,
    runRoot: path.join(work, 'runs'),
    maxWorkers: 4,
    user: 'e2e',
    waitScale: WAIT_SCALE,
    onStateEntered: ({ name }) => entries.set(name, (entries.get(name) ?? 0) + 1),
    commandFor: metaflowStandin({
      codeDir: path.join(work, dir),
      datastoreDir: datastore,
      env: { MFCDK_STANDIN_FAIL_ATTEMPTS: JSON.stringify(faults.fail ?? {}), MFCDK_STANDIN_RECLAIM: JSON.stringify(faults.reclaim ?? {}) },
    }),
    beforeServersStop: async ({ dynamodbEndpoint }) => void (items = await scanCoordinationItems(dynamodbEndpoint)),
  });
  const runDir = path.join(datastore, flow, result.runId);
  const tasks = (step: string): TaskRecord[] =>
    fs.existsSync(path.join(runDir, step))
      ? fs.readdirSync(path.join(runDir, step)).filter((t) => fs.existsSync(path.join(runDir, step, t, 'task.json'))).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, step, t, 'task.json'), 'utf-8')))
      : [];
  const jobs = (step: string): string[] => {
    const dir = path.join(result.logsDir, step);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).map((f) => /^# \S+ job (\S+) attempt 1/.exec(fs.readFileSync(path.join(dir, f), 'utf-8'))?.[1]).filter((id): id is string => id !== undefined);
  };
  const definition = findFlow(assembly, flow)!.definition as unknown as FlowRun['definition'];
  return { result, definition, tasks, jobs, entered: (state) => entries.get(state) ?? 0, items };
}

/** A state anywhere in the definition (Map iterators, Parallel branches). */
function stateOf(states: Record<string, Record<string, unknown>>, name: string): Record<string, unknown> | undefined {
  for (const [n, state] of Object.entries(states)) {
    if (n === name) return state;
    const inner = [(state.Iterator as { States: typeof states } | undefined)?.States, ...((state.Branches as Array<{ States: typeof states }> | undefined) ?? []).map((b) => b.States)];
    for (const scope of inner) {
      const found = scope && stateOf(scope, name);
      if (found) return found;
    }
  }
  return undefined;
}

const taskId = (pathOrSpec: string): string => pathOrSpec.split('/').pop()!;
const retryCounts = (task: TaskRecord) => task.attempts.map((a) => [a.retry_count, a.outcome]);

beforeAll(async () => {
  const assembly = synthesize();
  runs.set('delay', await runFlow(assembly, 'retry_delay_flow', 'RetryDelayFlow', {
    fail: { fan_out: 2, body: 1, merge: 1, guarded: 9 },
    reclaim: { merge: 1 },
  }));
  runs.set('host', await runFlow(assembly, 'host_join_flow', 'HostJoinFlow', { fail: { left: 1 }, reclaim: { merge: 1 } }));
}, 180_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('@retry(times=2, minutes_between_retries=2) on a foreach step that fails twice', () => {
  test('the run succeeds', () => {
    const { result } = runs.get('delay')!;
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  });

  test('three Batch jobs ran one Metaflow task: the first job\'s id, retry counts 0, 1, 2', () => {
    const { tasks, jobs } = runs.get('delay')!;
    const ran = jobs('fan_out');
    expect(ran).toHaveLength(3);
    expect(tasks('fan_out')).toHaveLength(1);
    const [task] = tasks('fan_out');
    expect(retryCounts(task)).toEqual([[0, 'failed'], [1, 'failed'], [2, 'succeeded']]);
    expect(task.attempts.map((a) => a.batch_job_id).sort()).toEqual([...ran].sort());
    // the task id is the first job's id (the one whose attempt had retry count 0)
    expect(taskId(task.pathspec)).toBe(task.attempts[0].batch_job_id);
    expect(task.max_user_code_retries).toBe(2);
  });

  test('the state machine waited 2 * 60 s before each retry (the Wait state entered twice)', () => {
    const { definition, entered } = runs.get('delay')!;
    const wait = metaflowRetryEnvelopeNames('fan_out').wait;
    expect(stateOf(definition.States, wait)).toMatchObject({ Type: 'Wait', Seconds: 120 });
    expect(entered(wait)).toBe(2);
    expect(entered(metaflowRetryEnvelopeNames('fan_out').job)).toBe(3);
  });

  test('the foreach cardinality is keyed by the stable task id, and each split\'s input path names it', () => {
    const { tasks, items } = runs.get('delay')!;
    const id = taskId(tasks('fan_out')[0].pathspec);
    expect(items.get(id)?.cardinality).toBe(2);
    const body = tasks('body');
    expect(body.map((t) => t.inputs)).toEqual([[expect.stringMatching(new RegExp(`/fan_out/${id}$`))], [expect.stringMatching(new RegExp(`/fan_out/${id}$`))]]);
    expect(body.map((t) => t.split_index).sort()).toEqual([0, 1]);
  });
});

describe('the run table', () => {
  test('counts every job the state machine submitted again as retried, none as failed', () => {
    const counts = (run: string, step: string) => {
      const { succeeded, failed, retried } = runs.get(run)!.result.stats.step(step);
      return { succeeded, failed, retried };
    };
    expect(counts('delay', 'fan_out')).toEqual({ succeeded: 1, failed: 0, retried: 2 });
    expect(counts('delay', 'body')).toEqual({ succeeded: 2, failed: 0, retried: 2 });
    // the job that lost its host, then the fresh task's failed first job
    expect(counts('delay', 'merge')).toEqual({ succeeded: 1, failed: 0, retried: 2 });
    expect(counts('delay', 'guarded')).toEqual({ succeeded: 1, failed: 0, retried: 2 });
    expect(counts('host', 'merge')).toEqual({ succeeded: 1, failed: 0, retried: 1 });
  });
});

describe('@retry(times=1, minutes_between_retries=1) inside a foreach', () => {
  test('each split is one task that failed once and succeeded on retry 1 after a 60 s wait', () => {
    const { tasks, jobs, definition, entered } = runs.get('delay')!;
    expect(jobs('body')).toHaveLength(4);
    for (const task of tasks('body')) {
      expect(retryCounts(task)).toEqual([[0, 'failed'], [1, 'succeeded']]);
      expect(taskId(task.pathspec)).toBe(task.attempts[0].batch_job_id);
    }
    expect(stateOf(definition.States, metaflowRetryEnvelopeNames('body').wait)).toMatchObject({ Type: 'Wait', Seconds: 60 });
    expect(entered(metaflowRetryEnvelopeNames('body').wait)).toBe(2);
  });

  test('the foreach join reads the stable task ids from DynamoDB and as input paths', () => {
    const { tasks, items } = runs.get('delay')!;
    const ids = tasks('body').map((t) => taskId(t.pathspec)).sort();
    expect(items.get(taskId(tasks('fan_out')[0].pathspec))?.parents.sort()).toEqual(ids);
    expect(tasks('gather')[0].inputs.map(taskId).sort()).toEqual(ids);
  });
});

describe('a split-and join with a retry delay whose first job loses its host', () => {
  test('the lost job is no task; the fresh task failed once and succeeded on retry 1', () => {
    const { tasks, jobs, entered } = runs.get('delay')!;
    const names = metaflowRetryEnvelopeNames('merge');
    expect(jobs('merge')).toHaveLength(3);
    expect(entered(names.host)).toBe(1);
    expect(entered(names.wait)).toBe(1);
    expect(tasks('merge')).toHaveLength(1);
    const [task] = tasks('merge');
    expect(retryCounts(task)).toEqual([[0, 'failed'], [1, 'succeeded']]);
    // the reclaimed job is the one job that is neither the task nor an attempt of it
    const reclaimed = jobs('merge').filter((id) => !task.attempts.some((a) => a.batch_job_id === id));
    expect(reclaimed).toHaveLength(1);
    expect(taskId(task.pathspec)).not.toBe(reclaimed[0]);
    expect(task.inputs.map((i) => i.split('/')[1]).sort()).toEqual(['left', 'right']);
    expect(task.inputs.map(taskId).sort()).toEqual([...tasks('left'), ...tasks('right')].map((t) => taskId(t.pathspec)).sort());
  });
});

describe('@catch with @retry(times=1, minutes_between_retries=3) on a step that always fails', () => {
  test("retries 0 and 1 run user code, retry 2 runs @catch's fallback, as under Metaflow; one task throughout", () => {
    const { tasks, jobs, definition, entered } = runs.get('delay')!;
    const [task] = tasks('guarded');
    expect(tasks('guarded')).toHaveLength(1);
    expect(jobs('guarded')).toHaveLength(3);
    expect(retryCounts(task)).toEqual([[0, 'failed'], [1, 'failed'], [2, 'fallback']]);
    expect(task.fallback).toBe(true);
    expect(task.max_user_code_retries).toBe(1);
    expect(stateOf(definition.States, metaflowRetryEnvelopeNames('guarded').wait)).toMatchObject({ Type: 'Wait', Seconds: 180 });
    expect(entered(metaflowRetryEnvelopeNames('guarded').wait)).toBe(2);
  });

  test('the next step\'s input path names the stable task id', () => {
    const { tasks } = runs.get('delay')!;
    expect(tasks('end')[0].inputs).toEqual([expect.stringMatching(new RegExp(`/guarded/${taskId(tasks('guarded')[0].pathspec)}$`))]);
  });
});

describe('host retries of a split-and join (array input) and a bare @retry', () => {
  test('the run succeeds after the join\'s first job lost its host: a fresh job, a fresh task', () => {
    const { result, tasks, jobs, entered } = runs.get('host')!;
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(entered(metaflowRetryEnvelopeNames('merge').host)).toBe(1);
    expect(jobs('merge')).toHaveLength(2);
    const [task] = tasks('merge');
    expect(retryCounts(task)).toEqual([[0, 'succeeded']]);
    expect(taskId(task.pathspec)).toBe(jobs('merge').find((id) => id === task.attempts[0].batch_job_id));
    expect(tasks('end')[0].inputs).toEqual([expect.stringMatching(new RegExp(`/merge/${taskId(task.pathspec)}$`))]);
  });

  test("a bare @retry keeps Metaflow's Batch retries: one job, attempts 1 and 2, no envelope", () => {
    const { tasks, jobs, definition } = runs.get('host')!;
    expect(jobs('left')).toHaveLength(1);
    const [task] = tasks('left');
    expect(retryCounts(task)).toEqual([[0, 'failed'], [1, 'succeeded']]);
    expect(task.attempts.map((a) => a.batch_job_id)).toEqual([taskId(task.pathspec), taskId(task.pathspec)]);
    expect(stateOf(definition.States, 'left')).toMatchObject({ Type: 'Task', Parameters: { RetryStrategy: { Attempts: 2 } } });
    expect(stateOf(definition.States, metaflowRetryEnvelopeNames('left').job)).toBeUndefined();
  });
});
