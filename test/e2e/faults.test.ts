/**
 * Fault paths of compiled flows on the local engine: user retries, retries inside an array job, a simulated spot
 * reclaim, @catch, an attempt timeout, a missing required parameter, and a run interrupted midway.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SPOT_STATUS_REASON, TIMEOUT_STATUS_REASON } from '../../lib/local/batch/runner';
import { formatRunOutput, formatRunReport } from '../../lib/local/run/report';
import type { LocalAssembly } from '../../lib/local/template/assembly';
import { survivors, waitForLines } from '../lib/local/fixtures/processes';
import { doc, printedResult, readArtifact, run, step, STEP, synthesize } from './harness';


const SPOT_ON_FIRST_ATTEMPT = [
  'sh',
  '-c',
  'if [ "$AWS_BATCH_JOB_ATTEMPT" = 1 ]; then touch "$MF_LOCAL_SPOT_RECLAIM"; exit 1; fi; echo "retry count $MF_RETRY_COUNT"',
];

describe('fault paths of compiled flows', () => {
  let assembly: LocalAssembly;
  let runRoot: string;
  let scratch: string;
  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-faults-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-scratch-'));
    const width = { parameters: [{ name: 'width', type: 'number' as const, default: 3 }] };
    assembly = synthesize([
      { flow: doc('Retry', [step('start', ['flaky'], ['true']), step('flaky', ['end'], STEP('fail-until', '2'), { retry: { times: 2 } }), step('end', [], ['true'])]) },
      {
        flow: doc(
          'ArrayRetry',
          [
            step('start', ['body'], STEP('foreach'), { foreach: 'items' }),
            step('body', ['gather'], STEP('fail-until', '1'), { retry: { times: 1 } }),
            step('gather', ['end'], STEP('join'), { join: true }),
            step('end', [], STEP('end')),
          ],
          width,
        ),
        props: { foreachStrategies: { start: 'array-job' } },
      },
      { flow: doc('Spot', [step('start', ['end'], SPOT_ON_FIRST_ATTEMPT), step('end', [], ['true'])]) },
      {
        flow: doc(
          'MapFail',
          [
            step('start', ['body'], STEP('foreach'), { foreach: 'items' }),
            step('body', ['gather'], ['sh', '-c', 'if [ "$MF_SPLIT_INDEX" = 1 ]; then echo "split one breaks"; exit 4; fi']),
            step('gather', ['end'], ['true'], { join: true }),
            step('end', [], ['true']),
          ],
          width,
        ),
        props: { foreachStrategies: { start: 'distributed-map' } },
      },
      {
        flow: doc('Catch', [
          step('start', ['risky'], ['true']),
          step('risky', ['end'], ['sh', '-c', 'echo about to fail; exit 3'], { catch: { var: 'failure' } }),
          step('end', [], ['sh', '-c', 'echo "end ran"']),
        ]),
      },
      {
        flow: doc('Timeout', [
          step('start', ['slow'], ['true']),
          step('slow', ['end'], ['sh', '-c', `sleep 120 & echo $! > "${'$'}PIDS/sleep.pid"; wait`], {
            timeoutSeconds: 60,
            environment: { PIDS: scratch },
          }),
          step('end', [], ['true']),
        ]),
      },
      {
        flow: doc('NeedsParam', [step('start', ['end'], ['true']), step('end', [], ['true'])], {
          parameters: [{ name: 'alpha', type: 'string', required: true }],
        }),
      },
      {
        flow: doc(
          'Interrupt',
          [
            step('start', ['body'], STEP('foreach'), { foreach: 'items' }),
            step('body', ['gather'], ['sh', '-c', 'sleep 300 & echo $! >> "$PIDS/pids"; echo $$ >> "$PIDS/pids"; wait'], {
              environment: { PIDS: scratch },
            }),
            step('gather', ['end'], ['true'], { join: true }),
            step('end', [], ['true']),
          ],
          { ...width, maxWorkers: 8 },
        ),
      },
    ]).assembly;
  });
  afterAll(() => {
    fs.rmSync(runRoot, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('@retry: a failing step is retried by the state machine and keeps its task id', async () => {
    const result = await run(assembly, 'Retry', runRoot);
    expect(result.status).toBe('SUCCEEDED');
    // the state machine submitted the task three times: the two failed jobs were retried, none failed the step
    expect(result.stats.step('flaky')).toMatchObject({ retried: 2, failed: 0, succeeded: 1 });
    // the step saw retry counts 0, 1, 2 and succeeded on the last, under the same task root
    expect(readArtifact(runRoot, result, 'flaky', '1')).toEqual({ value: 2 });
  });

  test('@retry inside an array-job foreach: Batch retries each child', async () => {
    const result = await run(assembly, 'ArrayRetry', runRoot, { parameters: { width: 3 } });
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.step('body')).toMatchObject({ retried: 3, succeeded: 3, failed: 0 });
    expect(printedResult(result, 'end')).toEqual({ value: 3, count: 3 });
  });

  test('a spot reclaim is retried by Batch without using a user retry', async () => {
    const result = await run(assembly, 'Spot', runRoot);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.step('start')).toMatchObject({ retried: 1, succeeded: 1 });
    const logs = fs.readdirSync(path.join(result.logsDir, 'start')).sort();
    expect(logs).toHaveLength(2);
    expect(fs.readFileSync(path.join(result.logsDir, 'start', logs.find((l) => l.endsWith('attempt2.log'))!), 'utf8')).toContain('retry count 0');
    expect(SPOT_STATUS_REASON).toMatch(/^Host EC2/);
  });

  test('a Distributed Map whose child fails names that child\'s job, exit code and log, as its Map Run would', async () => {
    const result = await run(assembly, 'MapFail', runRoot, { parameters: { width: 3 } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    expect(result.childFailure?.error).toBe('States.TaskFailed');
    const report = formatRunReport(result);
    expect(report).toMatch(/^first failed child execution: States\.TaskFailed: job MapFail-body: .*\(exit code 4\); log: .*\.log$/m);
    expect(formatRunOutput(result)).toContain('split one breaks');
  });

  test('@catch: the run continues after the step fails and the failure is recorded in the datastore', async () => {
    const result = await run(assembly, 'Catch', runRoot);
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.step('end')).toMatchObject({ succeeded: 1 });
    const s3 = path.join(runRoot, 's3');
    const records = fs
      .readdirSync(s3)
      .flatMap((bucket) => {
        const dir = path.join(s3, bucket, 'metaflow', 'Catch', result.runId, 'risky');
        return fs.existsSync(dir) ? [dir] : [];
      });
    expect(records).toHaveLength(1);
    const files = fs.readdirSync(path.join(records[0], '1'));
    const record = files.find((f) => f.endsWith('._S3rver_object'));
    expect(record).toBeDefined();
    const content = JSON.parse(fs.readFileSync(path.join(records[0], '1', record!), 'utf8'));
    expect(content.error).toBe('States.TaskFailed');
    expect(content.cause.Container.ExitCode).toBe(3);
  });

  test('@timeout: the attempt is killed with its whole process tree and the run fails', async () => {

    const started = Date.now();
    // 60 s (Batch's minimum) scaled to 1.2 s
    const result = await run(assembly, 'Timeout', runRoot, { attemptTimeoutScale: 0.02 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.status).toBe('FAILED');
    expect(JSON.parse(result.cause!).StatusReason).toBe(TIMEOUT_STATUS_REASON);
    expect(await survivors([Number(fs.readFileSync(path.join(scratch, 'sleep.pid'), 'utf8'))])).toEqual([]);
  });

  test('a required parameter missing fails the run at its first states, naming the parameter', async () => {
    const result = await run(assembly, 'NeedsParam', runRoot);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('MissingParameter');
    expect(result.cause).toContain('alpha');
    expect(result.stats.all()).toEqual([]);
    const given = await run(assembly, 'NeedsParam', runRoot, { parameters: { alpha: 'x' } });
    expect(given.status).toBe('SUCCEEDED');
  });

  test('a run interrupted midway ends every task process and stops the local servers', async () => {
    const pidsFile = path.join(scratch, 'pids');
    const controller = new AbortController();
    let endpoints: string[] = [];
    const pending = run(assembly, 'Interrupt', runRoot, {
      parameters: { width: 4 },
      signal: controller.signal,
      onStart: (r) => (endpoints = [r.s3Endpoint, r.dynamodbEndpoint]),
    });
    await waitForLines(pidsFile, 8);
    controller.abort();
    const result = await pending;
    expect(result.status).toBe('ABORTED');
    // the tasks the stop ended are counted as stopped, not as failures of the step
    expect(result.stats.step('body')).toMatchObject({ stopped: 4, failed: 0, running: 0 });
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(8);
    expect(await survivors(pids)).toEqual([]);
    for (const endpoint of endpoints) await expect(fetch(endpoint)).rejects.toThrow();
  });
});
