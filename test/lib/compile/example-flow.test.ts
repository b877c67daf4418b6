import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { numbersFlow } from '../../../examples/flows/numbers';
import { buildDefinition, planFlow } from '../../../lib/compile';
import { OPTIONS, runLocally } from './helpers';

/**
 * The README's example flow, compiled and run with a JSONPath interpreter: Batch jobs become the job definition's
 * command (entry script + Node step) with its environment and overrides, array jobs one process per child, the
 * fan-out Lambda's handler runs in-process, and S3 is s3rver. Proves the runtime contract end to end.
 */
describe('NumbersFlow, compiled and run', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver');
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  const saved = { ...process.env };

  beforeAll(async () => {
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 's3rver-')), configureBuckets: [{ name: 'datastore-bucket' }] });
    const { port } = await server.run();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      FLOW_NAME: 'NumbersFlow',
      DATASTORE_BUCKET: 'datastore-bucket',
      DATASTORE_PREFIX: 'metaflow',
    });
  });

  afterAll(async () => {
    await server.close();
    process.env = saved;
  });

  it('computes sum of squares, mean and variance of 1..count through branch, foreach and joins', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler: fanout } = require('../../../lambda/foreach-fanout') as typeof import('../../../lambda/foreach-fanout');
    const plan = planFlow(numbersFlow, OPTIONS);
    const specs = new Map(plan.jobDefinitions.map((j) => [j.key, j]));
    const refs = { partition: 'aws', jobDefinitionArn: (k: string) => `jd:${k}`, jobQueueArn: (q: string) => q, fanoutFunctionArn: 'fanout', catchFunctionArn: 'catch' };
    const exec = (command: readonly string[], env: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    type Submit = { JobDefinition: string; ArrayProperties?: { Size: number }; ContainerOverrides: { Environment: Array<{ Name: string; Value: string }> } };
    const submit = async (params: Submit) => {
      const jd = specs.get(params.JobDefinition.slice(3))!;
      const env: Record<string, string> = { ...(process.env as Record<string, string>), ...jd.environment, AWS_BATCH_JOB_ATTEMPT: '1' };
      for (const e of params.ContainerOverrides.Environment) env[e.Name] = e.Value;
      const children = params.ArrayProperties ? Array.from({ length: params.ArrayProperties.Size }, (_, i) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i) })) : [{}];
      const codes = await Promise.all(children.map((extra) => exec(jd.command, { ...env, ...extra })));
      if (codes.some((c) => c !== 0)) throw Object.assign(new Error('job failed'), { name: 'States.TaskFailed' });
      return { JobId: 'job' };
    };
    const { output } = await runLocally(buildDefinition(plan, refs), { Parameters: { count: 12 } }, (_state, params) => {
      const p = params as { FunctionName?: string; Payload?: never };
      if (p.FunctionName === 'fanout') return fanout(p.Payload!).then((Payload) => ({ Payload }));
      return submit(params as unknown as Submit);
    }, 'run1');
    expect(output).toMatchObject({ run: { id: 'sfn-run1' } });
    const s3 = new S3Client({ forcePathStyle: true });
    const object = await s3.send(new GetObjectCommand({ Bucket: 'datastore-bucket', Key: 'metaflow/NumbersFlow/sfn-run1/end/1/summary.json' }));
    const summary = JSON.parse(await object.Body!.transformToString());
    expect(summary).toEqual({ count: 12, sumOfSquares: 650, mean: 6.5, max: 12, variance: 650 / 12 - 6.5 * 6.5 });
  });
});
