import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { foreachTooWideCheckCommand, metaflowForeachTooWideCause, METAFLOW_ARRAY_FOREACH_MAX_WIDTH } from '../../../../lib/runtime/metaflow/array-foreach';

// The check a failed foreach task runs before Metaflow's logs are saved: DynamoDB's refusal of Metaflow's
// cardinality PutItem in the task's stderr log gets our message, with the ceiling and the way out, after it.

const PYTHON = process.env.METAFLOW_CDK_PYTHON ?? 'python3';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-too-wide-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs the check (`bash -c`, as in the job's script) on a stderr log holding `logged`; returns its stderr and the log. */
async function check(logged: string): Promise<{ stderr: string; log: string }> {
  const log = path.join(work, `mflog_stderr_${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(log, logged);
  const { stderr } = await promisify(execFile)('bash', ['-c', `python(){ ${PYTHON} "$@"; }; ${foreachTooWideCheckCommand('WideFlow', 'start')}`], { env: { ...process.env, MFLOG_STDERR: log } });
  return { stderr, log: fs.readFileSync(log, 'utf-8') };
}

const message = `metaflow-cdk: ${metaflowForeachTooWideCause('WideFlow', 'start')}`;

test('after botocore\'s refusal of the PutItem it names the ceiling and the way out, in stderr and Metaflow\'s log', async () => {
  const refusal = 'botocore.exceptions.ClientError: An error occurred (ValidationException) when calling the PutItem operation: Item size has exceeded the maximum allowed size\n';
  const { stderr, log } = await check(`Traceback (most recent call last):\n${refusal}`);
  expect(stderr).toBe(`${message}\n`);
  expect(log.endsWith(`${refusal}${message}\n`)).toBe(true);
  expect(message).toContain(METAFLOW_ARRAY_FOREACH_MAX_WIDTH.toLocaleString('en-US'));
  expect(message).toMatch(/nested foreach/);
  expect(message).toContain("Metaflow's");
});

test('says nothing after any other failure', async () => {
  const { stderr, log } = await check('ZeroDivisionError: division by zero\n');
  expect(stderr).toBe('');
  expect(log).toBe('ZeroDivisionError: division by zero\n');
}, 30_000);
