import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { attemptLogs, matchesLocalTask } from '../../../../lib/cli/local-runs/logs';
import { BatchJobFailed, LocalBatch, SPOT_RECLAIM_ENV } from '../../../../lib/local/batch/runner';
import { ProcessRegistry } from '../../../../lib/local/process/children';
import { survivors } from '../fixtures/processes';
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
      FargateCe: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { ComputeEnvironmentName: 'fargate-ce', ComputeResources: { Type: 'FARGATE_SPOT' } } },
      FargateQ: { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'serverless', ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'FargateCe' } }] } },
      OwnCode: {
        Type: 'AWS::Batch::JobDefinition',
        Properties: { ContainerProperties: { Command: ['sh', '-c', 'pwd > "$OUT"; ls -A >> "$OUT"; touch left-behind'], Environment: [{ Name: 'METAFLOW_CODE_URL', Value: 's3://b/k.zip' }, { Name: 'SET_BY_JOB', Value: 'job' }] } },
      },
      NoCommand: { Type: 'AWS::Batch::JobDefinition', Properties: { ContainerProperties: {} } },
      WithSecrets: {
        Type: 'AWS::Batch::JobDefinition',
        Properties: { ContainerProperties: { Command: ['sh', '-c', 'env > "$OUT"'], Secrets: [{ Name: 'PROD_DB', ValueFrom: 'arn:aws:secretsmanager:local:000000000000:secret:prod/db' }, { Name: 'ABSENT', ValueFrom: 'absent' }] } },
      },
      Killed: { Type: 'AWS::Batch::JobDefinition', Properties: { ContainerProperties: { Command: ['sh', '-c', 'kill -9 $$'] } } },
    },
  },
};

describe('LocalBatch', () => {
  let dir: string;
  let batch: LocalBatch;
  let registry: ProcessRegistry;
  const jd = (name: string): string => `arn:aws:batch:local:000000000000:job-definition/${name}:1`;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-batch-'));
    batch = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates),
      registry: (registry = new ProcessRegistry()),
      workers: new Semaphore(2),
      stats: new RunStats(),
      cwd: dir,
      runDir: dir,
      baseEnv: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' },
      isStopping: () => false,
    });
  });
  afterEach(async () => {
    await registry.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

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

  test('AWS_EXECUTION_ENV is AWS_ECS_EC2, or AWS_ECS_FARGATE when the queue runs on Fargate', async () => {
    const ec2 = path.join(dir, 'ec2.txt');
    const fargate = path.join(dir, 'fargate.txt');
    await batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: ec2 }] } });
    await batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'serverless', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: fargate }] } });
    expect(envOf(ec2)).toMatchObject({ AWS_EXECUTION_ENV: 'AWS_ECS_EC2', AWS_BATCH_CE_NAME: 'spot-ce' });
    expect(envOf(fargate)).toMatchObject({ AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', AWS_BATCH_CE_NAME: 'fargate-ce', AWS_BATCH_JQ_NAME: 'serverless' });
  });

  test('a job that fetches its own code starts each attempt in an empty folder of the run, kept after it', async () => {
    const hosted = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates), registry, workers: new Semaphore(2), stats: new RunStats(),
      cwd: dir, runDir: dir, baseEnv: {}, isStopping: () => false,
    });
    const first = path.join(dir, 'first.txt');
    const second = path.join(dir, 'second.txt');
    for (const out of [first, second]) {
      await hosted.submitJobSync('train', { JobDefinition: jd('OwnCode'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }] } });
    }
    const [cwd1, ...listing1] = fs.readFileSync(first, 'utf8').trim().split('\n');
    const [cwd2, ...listing2] = fs.readFileSync(second, 'utf8').trim().split('\n');
    expect(cwd1).toMatch(new RegExp(`^${dir}/work/train/[0-9a-f-]+-attempt1$`));
    expect(cwd2).not.toBe(cwd1);
    expect([listing1, listing2]).toEqual([[], []]);
    expect(fs.existsSync(path.join(cwd1, 'left-behind'))).toBe(true); // kept for inspection
    const log = fs.readdirSync(path.join(dir, 'logs', 'train')).map((f) => fs.readFileSync(path.join(dir, 'logs', 'train', f), 'utf8'))[0];
    expect(log).toMatch(new RegExp(`# working directory: ${dir}/work/train/`));
  });

  test('host variables are applied over the job definition', async () => {
    const hosted = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates), registry, workers: new Semaphore(2), stats: new RunStats(),
      cwd: dir, runDir: dir, baseEnv: {}, isStopping: () => false, hostEnv: { FROM_DEF: 'host', EXTRA: 'x' },
    });
    const out = path.join(dir, 'host.txt');
    await hosted.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }] } });
    expect(envOf(out)).toMatchObject({ FROM_DEF: 'host', EXTRA: 'x' });
  });

  test('secrets Batch would inject come from --secrets-file values; one without a value is left unset and named in the log', async () => {
    const withValues = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates), registry, workers: new Semaphore(2), stats: new RunStats(),
      cwd: dir, runDir: dir, baseEnv: {}, isStopping: () => false, secretValues: { 'prod/db': 's3cr3t' },
    });
    const out = path.join(dir, 'secrets.txt');
    const job = await withValues.submitJobSync('secrets', { JobDefinition: jd('WithSecrets'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }] } });
    expect(envOf(out).PROD_DB).toBe('s3cr3t');
    expect(envOf(out).ABSENT).toBeUndefined();
    expect(fs.readFileSync(job.Container!.LogStreamName!, 'utf8')).toContain('# secrets not in --secrets-file, left unset: ABSENT\n');
  });

  test("the job's PATH and PYTHONPATH hold, after the engine's own folder; another variable the engine sets over is named in the log", async () => {
    const hosted = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates), registry, workers: new Semaphore(2), stats: new RunStats(),
      cwd: dir, runDir: dir, baseEnv: {}, isStopping: () => false,
      hostEnv: { PATH: ['/engine/bin', '/usr/bin', '/bin'].join(path.delimiter), PYTHONPATH: '/engine/site', AWS_REGION: 'us-east-1' },
    });
    const out = path.join(dir, 'paths.txt');
    const job = await hosted.submitJobSync('paths', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu',
      ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }, { Name: 'PATH', Value: ['/job/bin', '/usr/bin'].join(path.delimiter) }, { Name: 'PYTHONPATH', Value: '/job/lib' }, { Name: 'AWS_REGION', Value: 'eu-west-1' }] },
    });
    expect(envOf(out)).toMatchObject({
      PATH: ['/engine/bin', '/job/bin', '/usr/bin', '/bin'].join(path.delimiter),
      PYTHONPATH: ['/engine/site', '/job/lib'].join(path.delimiter),
      AWS_REGION: 'us-east-1',
    });
    expect(fs.readFileSync(job.Container!.LogStreamName!, 'utf8')).toContain("# set by the local engine over the job's own values: AWS_REGION\n");
  });

  test('a commandFor hook replaces the command and adds env; the log says so', async () => {
    const out = path.join(dir, 'hooked.txt');
    const seen: string[][] = [];
    const hooked = new LocalBatch({
      assembly: LocalAssembly.fromTemplates(templates), registry, workers: new Semaphore(1), stats: new RunStats(), cwd: dir, runDir: dir,
      baseEnv: {}, isStopping: () => false,
      commandFor: ({ command, env }) => {
        seen.push([...command, env.OUT]);
        return { command: ['sh', '-c', 'echo "$ADDED $AWS_BATCH_JOB_ATTEMPT" > "$OUT"'], env: { ADDED: 'yes' } };
      },
    });
    const job = await hooked.submitJobSync('hooked', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Environment: [{ Name: 'OUT', Value: out }] } });
    expect(seen).toEqual([['sh', '-c', 'env > "$OUT"', out]]);
    expect(fs.readFileSync(out, 'utf8').trim()).toBe('yes 1');
    const log = fs.readFileSync(job.Container!.LogStreamName!, 'utf8');
    expect(log).toContain('replaced by the run\'s commandFor hook');
    expect(log).toContain('echo \\"$ADDED');
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

  test("a foreach task names its split in the log header, which logs --local RUN/STEP/N selects by", async () => {
    const chunk = (offset: string) => batch.submitJobSync('chunks', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 4 },
      ContainerOverrides: { Command: ['sh', '-c', 'echo child $AWS_BATCH_JOB_ARRAY_INDEX of $MF_ARRAY_OFFSET'], Environment: [{ Name: 'MF_ARRAY_OFFSET', Value: offset }] },
    });
    await chunk('0');
    const second = await chunk('4');
    const logs = attemptLogs(dir, 'chunks');
    const selected = logs.filter((log) => matchesLocalTask(log, '6', logs));
    expect(selected.map((log) => log.task)).toEqual([`${second.JobId}:2`]);
    expect(fs.readFileSync(selected[0].file, 'utf8')).toMatch(/^# chunks job \S+:2 attempt 1\n# split index 6\n[\s\S]*child 2 of 4/);
    // an inline-Map task is a job of its own, given its split by the state machine
    const inline = await batch.submitJobSync('inline', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: { Command: ['true'], Environment: [{ Name: 'MF_SPLIT_INDEX', Value: '5' }] } });
    const inlineLogs = attemptLogs(dir, 'inline');
    expect(inlineLogs.filter((log) => matchesLocalTask(log, '5', inlineLogs)).map((log) => log.task)).toEqual([inline.JobId]);
    expect(inlineLogs.filter((log) => matchesLocalTask(log, '0', inlineLogs))).toEqual([]);
    // an array job that is no foreach chunk has no split: its array index selects
    const plain = await batch.submitJobSync('plain', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 2 }, ContainerOverrides: { Command: ['true'] } });
    const plainLogs = attemptLogs(dir, 'plain');
    expect(plainLogs.filter((log) => matchesLocalTask(log, '1', plainLogs)).map((log) => log.task)).toEqual([`${plain.JobId}:1`]);
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

  test('overrides over 8,192 characters fail the job unrun, in Batch\'s words; a request over 30 KiB is a client error', async () => {
    const out = path.join(dir, 'ran.txt');
    const overrides = (chars: number) => ({ Environment: [{ Name: 'OUT', Value: out }, { Name: 'BIG', Value: 'x'.repeat(chars) }] });
    const at = (chars: number) => JSON.stringify(overrides(chars)).length;
    const fits = 8192 - (at(0) - 0);
    expect(at(fits)).toBe(8192);
    await batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: overrides(fits) });
    expect(fs.existsSync(out)).toBe(true);
    fs.rmSync(out);
    const failed = (await batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ContainerOverrides: overrides(fits + 1) }).catch((e: unknown) => e)) as BatchJobFailed;
    expect(failed).toBeInstanceOf(BatchJobFailed);
    expect(failed.job).toMatchObject({ Status: 'FAILED', StatusReason: 'Container Overrides length must be at most 8192', Attempts: [] });
    expect(fs.existsSync(out)).toBe(false);
    const parameters = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`p${i}`, 'v'.repeat(8000)]));
    await expect(batch.submitJobSync('s', { JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', Parameters: parameters })).rejects.toMatchObject({
      name: 'Batch.ClientException',
      message: expect.stringMatching(/^Job size must be less than 30 KiB, got \d+ KiB$/),
    });
  });

  test('array children run at most as many at once as there are workers', async () => {
    const out = path.join(dir, 'c');
    fs.mkdirSync(out);
    const script =
      'mkdir "$OUT/run.$AWS_BATCH_JOB_ARRAY_INDEX"; ls -d "$OUT"/run.* | wc -l >> "$OUT/counts"; sleep 0.3; rmdir "$OUT/run.$AWS_BATCH_JOB_ARRAY_INDEX"';
    const job = await batch.submitJobSync('s', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 6 },
      ContainerOverrides: { Command: ['sh', '-c', script], Environment: [{ Name: 'OUT', Value: out }] },
    });
    expect(job.Status).toBe('SUCCEEDED');
    const counts = fs.readFileSync(path.join(out, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(6);
    // Semaphore(2): never 3 at once, and the children did overlap
    expect(Math.max(...counts)).toBe(2);
  });

  test('a failed array job names its first failed child, its exit code and its log', async () => {
    const failed = (await batch.submitJobSync('s', {
      JobDefinition: jd('Env'), JobName: 'n', JobQueue: 'cpu', ArrayProperties: { Size: 3 },
      ContainerOverrides: { Command: ['sh', '-c', '[ "$AWS_BATCH_JOB_ARRAY_INDEX" != 1 ] || { echo child one broke; exit 4; }'] },
    }).catch((e: unknown) => e)) as BatchJobFailed;
    expect(failed).toBeInstanceOf(BatchJobFailed);
    const match = /^1 of 3 child jobs failed; first failure: child 1: .*\(exit code 4\); log: (\S+-1-attempt1\.log)$/.exec(failed.job.StatusReason ?? '');
    expect(match).not.toBeNull();
    expect(fs.readFileSync(match![1], 'utf8')).toContain('child one broke');
  });

  test("a multi-node job ends when its main node exits, with the main node's outcome: others are stopped", async () => {
    // node 1 fails (Batch ignores it), node 2 would run for a minute
    const stats = new RunStats();
    const script =
      `case "$AWS_BATCH_JOB_NODE_INDEX" in 0) while [ ! -s "${dir}/pids" ]; do sleep 0.05; done; exit 0;; 1) exit 3;; esac; ` +
      `echo $$ >> "${dir}/pids"; exec sleep 60`;
    const multinode = new LocalBatch({
      assembly: LocalAssembly.fromTemplates({
        S: {
          Resources: {
            Mnp: {
              Type: 'AWS::Batch::JobDefinition',
              Properties: { Type: 'multinode', NodeProperties: { NumNodes: 3, MainNode: 0, NodeRangeProperties: [{ TargetNodes: '0:', Container: { Command: ['sh', '-c', script] } }] } },
            },
          },
        },
      }),
      registry,
      workers: new Semaphore(1),
      stats,
      cwd: dir,
      runDir: dir,
      baseEnv: {},
      isStopping: () => false,
    });
    const started = Date.now();
    const job = await multinode.submitJobSync('train', { JobDefinition: jd('Mnp'), JobName: 'n', JobQueue: 'cpu' });
    // each node is a task of its own: the main node succeeded, node 1 failed, node 2 was stopped
    expect(stats.step('train')).toMatchObject({ running: 0, succeeded: 1, failed: 1, stopped: 1, retried: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(job).toMatchObject({ Status: 'SUCCEEDED', NodeProperties: { NumNodes: 3, MainNode: 0 } });
    const pids = fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    expect(await survivors(pids)).toEqual([]);
  }, 30_000);
});
