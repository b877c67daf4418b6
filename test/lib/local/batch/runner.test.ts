import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchJobFailed, LocalBatch, SPOT_RECLAIM_ENV } from '../../../../lib/local/batch/runner';
import { ProcessRegistry } from '../../../../lib/local/process/children';
import { Semaphore } from '../../../../lib/local/process/semaphore';
import { RunStats } from '../../../../lib/local/run/step-stats';
import { LocalAssembly } from '../../../../lib/local/template/assembly';

const templates = {
  S: {
    Resources: {
      Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { ComputeEnvironmentName: 'spot-ce' } },
      Q: { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'cpu', ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'Ce' } }] } },
      Env: {
        Type: 'AWS::Batch::JobDefinition',
        Properties: { ContainerProperties: { Command: ['sh', '-c', 'env > "$OUT"'], Environment: [{ Name: 'FROM_DEF', Value: { Ref: 'AWS::Region' } }] } },
      },
      NoCommand: { Type: 'AWS::Batch::JobDefinition', Properties: { ContainerProperties: {} } },
      Killed: { Type: 'AWS::Batch::JobDefinition', Properties: { ContainerProperties: { Command: ['sh', '-c', 'kill -9 $$'] } } },
    },
  },
};

describe('LocalBatch', () => {
  let dir: string;
  let batch: LocalBatch;
  const jd = (name: string): string => `arn:aws:batch:local:000000000000:job-definition/${name}:1`;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-batch-'));
    batch = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates),
      registry: new ProcessRegistry(),
      workers: new Semaphore(2),
      stats: new RunStats(),
      cwd: dir,
      runDir: dir,
      baseEnv: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' },
      isStopping: () => false,
    });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function envOf(file: string): Record<string, string> {
    return Object.fromEntries(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  test('a job gets the env Batch sets, the definition env with tokens resolved, and the engine endpoints', async () => {
    const out = path.join(dir, 'env.txt');
    const job = await batch.submitJobSync('s', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'arn:aws:batch:local:000000000000:job-queue/cpu',
      ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }] },
    });
    const env = envOf(out);
    expect(env).toMatchObject({
      AWS_BATCH_JOB_ID: job.JobId, AWS_BATCH_JOB_ATTEMPT: '1', AWS_BATCH_JQ_NAME: 'cpu', AWS_BATCH_CE_NAME: 'spot-ce',
      FROM_DEF: 'local', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
    });
    expect(env[SPOT_RECLAIM_ENV]).toContain(dir);
    expect(env.AWS_BATCH_JOB_ARRAY_INDEX).toBeUndefined();
    expect(job).toMatchObject({ Status: 'SUCCEEDED', JobName: 'n', JobQueue: 'arn:aws:batch:local:000000000000:job-queue/cpu', Container: { ExitCode: 0 } });
  });

  test('array children get their index; Batch refuses an array of size 1', async () => {
    const job = await batch.submitJobSync('s', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 2 },
      ContainerOverrides: { Command: ['sh', '-c', 'echo "$AWS_BATCH_JOB_ID" > "$OUT-$AWS_BATCH_JOB_ARRAY_INDEX"'], Environment: [{ Name: 'OUT', Value: path.join(dir, 'c') }] },
    });
    expect(job.ArrayProperties).toEqual({ Size: 2, StatusSummary: { SUCCEEDED: 2, FAILED: 0 } });
    expect(fs.readFileSync(path.join(dir, 'c-1'), 'utf8').trim()).toBe(`${job.JobId}:1`);
    await expect(batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 1 } })).rejects.toMatchObject({
      name: 'Batch.ClientException',
    });
  });

  test('an unknown job definition is a client error; a job without a command cannot start; a signal maps to 128+n', async () => {
    await expect(batch.submitJobSync('s', { JobDefinition: jd('Nope'), JobName: 'n', JobQueue: 'cpu' })).rejects.toMatchObject({ name: 'Batch.ClientException' });
    const noCommand = await batch.submitJobSync('s', { JobDefinition: jd('NoCommand'), JobName: 'n', JobQueue: 'cpu' }).catch((e: unknown) => e);
    expect(noCommand).toBeInstanceOf(BatchJobFailed);
    expect((noCommand as BatchJobFailed).job.StatusReason).toMatch(/^CannotStartContainerError/);
    const killed = (await batch.submitJobSync('s', { JobDefinition: jd('Killed'), JobName: 'n', JobQueue: 'cpu' }).catch((e: unknown) => e)) as BatchJobFailed;
    expect(killed.name).toBe('States.TaskFailed');
    expect(killed.job.Container?.ExitCode).toBe(137);
  });
});
