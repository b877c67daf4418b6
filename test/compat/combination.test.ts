import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkerEnv, runCommand, runParameterArgs, runFailureReason, runIdOf, type HarnessSetup } from '../../compat/metaflow-core/combination';
import type { Combination, Matrix } from '../../compat/metaflow-core/matrix';

const setup: HarnessSetup = { repo: '/repo', metaflowSrc: '/mf', python: '/usr/bin/python3', maxWorkers: 2, timeoutScale: 1, work: '/w', runArgs: ['--metadata-service', '--keep-metadata'] };
const matrix = {
  metaflowVersion: '2.19.38', suite: '/mf/test/core', graphs: [], combinations: [], checks: {},
  context: { name: 'python3-sfn', top_options: ['--metadata=service'], checks: [], env: { METAFLOW_USER: 'tester', METAFLOW_SERVICE_URL: 'http://localhost:8080', METAFLOW_DATASTORE_SYSROOT_S3: 's3://metaflow-test/metaflow/{nonce}', AWS_ENDPOINT_URL_S3: 'http://localhost:9000' } },
} as unknown as Matrix;
const combination = { test: 'BasicArtifactTest', graph: 'single-linear-step', flowName: 'BasicArtifactTestFlow' } as Combination;

test('the run id is read from the line the CLI prints when the run starts', () => {
  expect(runIdOf('synthesizing\nrun sfn-1234 of BasicArtifactTestFlow: logs in /x\n', 'BasicArtifactTestFlow')).toBe('sfn-1234');
  expect(runIdOf('run sfn-1234 of OtherFlow: logs in /x\n', 'BasicArtifactTestFlow')).toBeUndefined();
});

test('each run is `metaflow-cdk run --local` with the real Metaflow for tasks, the suite on their PYTHONPATH', () => {
  const args = runCommand(combination, '/out', '/runs', matrix, setup);
  expect(args.slice(0, 4)).toEqual(['/repo/bin/metaflow-cdk.ts', 'run', 'BasicArtifactTestFlow', '--local']);
  expect(args.join(' ')).toContain('--metadata-service --keep-metadata --python /usr/bin/python3 --task-env PYTHONPATH=/mf/test/core:/mf');
});

test("the context's run-time parameter values (METAFLOW_RUN_<NAME>) reach the run as --param, for parameters the flow declares", () => {
  const withParameters = { ...matrix, context: { ...matrix.context, env: { ...matrix.context.env, METAFLOW_RUN_NO_DEFAULT_PARAM: 'test_str', METAFLOW_RUN_BOOL_PARAM: 'False' } } } as Matrix;
  const declaring = { ...combination, parameters: ['bool_param', 'int_param', 'no_default_param'] };
  expect(runParameterArgs(declaring, withParameters)).toEqual(['--param', 'no_default_param=test_str', '--param', 'bool_param=False']);
  expect(runParameterArgs(combination, withParameters)).toEqual([]);
  expect(runCommand(declaring, '/out', '/runs', withParameters, setup).join(' ')).toContain('--param no_default_param=test_str');
});

test("the checkers get the context's variables with the local endpoints in place of the context's", () => {
  const env = checkerEnv(matrix, setup, { env: { METAFLOW_SERVICE_URL: 'http://127.0.0.1:5', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:6' }, stop: async () => undefined }, 's3://local/metaflow', '/home');
  expect(env).toMatchObject({ METAFLOW_USER: 'tester', METAFLOW_SERVICE_URL: 'http://127.0.0.1:5', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:6', METAFLOW_DATASTORE_SYSROOT_S3: 's3://local/metaflow', PYTHONPATH: '/mf/test/core:/mf', METAFLOW_HOME: '/home' });
});

test("a failed run's reason is the failing task's last exception line, from the log the CLI names", () => {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-reason-')), 'task.log');
  fs.writeFileSync(log, 'Traceback (most recent call last):\n  File "x.py", line 1\nmetaflow_test.ExpectationFailed: Expected result: 1, got 2\nTask failed.\n');
  const output = `run sfn-1 of F: FAILED in 3 s\nerror: States.TaskFailed: job start: Essential container in task exited (exit code 1); log: ${log}\n`;
  expect(runFailureReason(output)).toBe('metaflow_test.ExpectationFailed: Expected result: 1, got 2');
  expect(runFailureReason('error: States.Timeout: took too long\n')).toBe('error: States.Timeout: took too long');
  fs.writeFileSync(log, '# $ "bash" "-c" "... Failed to download code package ..."\nTask is starting.\n    AWS Batch error:\n');
  expect(runFailureReason(output)).toBe(output.split('\n')[1]);
});
