import { spawnSync } from 'node:child_process';
import { ENTRY_SCRIPT_NAME, genericStepCommand } from '../../../lib/runtime/entry-script';

/** Runs the entry script with `env` and returns the MF_ variables the step command (here `env`) sees. */
function stepEnv(env: Record<string, string>): Record<string, string> {
  const [sh, ...args] = genericStepCommand(['env']);
  const result = spawnSync(sh, args, { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .filter((line) => line.startsWith('MF_'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const base = { MF_DATASTORE_ROOT: 's3://b/metaflow', MF_FLOW_NAME: 'F', MF_RUN_ID: 'sfn-1', MF_STEP_NAME: 'body' };

describe('entry script', () => {
  it('runs the step command with its arguments as $@', () => {
    const command = genericStepCommand(['node', 'x.mjs', 'a b']);
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command.slice(3)).toEqual([ENTRY_SCRIPT_NAME, 'node', 'x.mjs', 'a b']);
    const echoed = spawnSync(command[0], [...command.slice(1, 4), 'printf', '%s|', 'a b', 'c'], { encoding: 'utf8' });
    expect(echoed.stdout).toBe('a b|c|');
  });

  it('keeps what the state machine set for a plain task', () => {
    const env = stepEnv({ ...base, MF_TASK_ID: '1', MF_RETRY_COUNT: '2', MF_INPUT_PATHS: 'start/1', AWS_BATCH_JOB_ATTEMPT: '4' });
    expect(env).toMatchObject({ MF_TASK_ID: '1', MF_RETRY_COUNT: '2', MF_INPUT_PATHS: 'start/1', MF_TASK_ROOT: 's3://b/metaflow/F/sfn-1/body/1' });
  });

  it('derives split index, task id, inputs and retry count of an array-job child', () => {
    const env = stepEnv({ ...base, MF_ARRAY_PARENT: '1', MF_ARRAY_OFFSET: '10000', MF_ARRAY_INPUT_STEP: 'prev', AWS_BATCH_JOB_ARRAY_INDEX: '7', AWS_BATCH_JOB_ATTEMPT: '3' });
    expect(env).toMatchObject({ MF_SPLIT_INDEX: '10007', MF_TASK_ID: '1-10007', MF_INPUT_PATHS: 'prev/1-10007', MF_RETRY_COUNT: '2' });
    expect(env.MF_TASK_ROOT).toBe('s3://b/metaflow/F/sfn-1/body/1-10007');
  });

  it('uses the given split index for a width-1 foreach run as one job', () => {
    const env = stepEnv({ ...base, MF_ARRAY_PARENT: '1-3', MF_SPLIT_INDEX: '0', MF_INPUT_PATHS: 'fan/1-3' });
    expect(env).toMatchObject({ MF_TASK_ID: '1-3-0', MF_INPUT_PATHS: 'fan/1-3', MF_RETRY_COUNT: '0' });
  });

  it('exposes node index, node count and main IP on multi-node parallel jobs', () => {
    const env = stepEnv({ ...base, MF_ARRAY_PARENT: '1', AWS_BATCH_JOB_NODE_INDEX: '2', AWS_BATCH_JOB_NUM_NODES: '4', AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS: '10.0.0.5' });
    expect(env).toMatchObject({ MF_PARALLEL_NODE_INDEX: '2', MF_PARALLEL_NUM_NODES: '4', MF_PARALLEL_MAIN_IP: '10.0.0.5', MF_SPLIT_INDEX: '2', MF_TASK_ID: '1-2' });
  });

  it('passes the step exit status through', () => {
    const [sh, ...args] = genericStepCommand(['sh', '-c', 'exit 7']);
    expect(spawnSync(sh, args).status).toBe(7);
  });
});
