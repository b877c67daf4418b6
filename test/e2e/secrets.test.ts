import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowFlow } from '../../constructs/flow';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { doc, run, step } from './harness';

// A generic step's `secrets` are injected by Batch from Secrets Manager; `run --local` injects them from the run's
// secret values (`--secrets-file`): one the infrastructure made, and one it imported by name.

describe('secrets of a generic step, run locally', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-secrets-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('each is the variable Batch would set, from the secret values; one without a value stays unset', async () => {
    const outdir = path.join(work, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Secrets');
    const made = new secretsmanager.Secret(stack, 'Token', { secretName: 'team/token' });
    const imported = secretsmanager.Secret.fromSecretNameV2(stack, 'Db', 'prod/db');
    const infrastructure = new MetaflowInfrastructure(stack, 'Infra', {
      computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 4 }) },
      queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
      secrets: [made, imported],
    });
    const out = path.join(work, 'seen.txt');
    const flow = doc('SecretsFlow', [
      step('start', ['end'], ['sh', '-c', `printf '%s|%s|%s' "$PROD_DB" "$TEAM_TOKEN" "\${UNSET-unset}" > ${out}`], { secrets: ['prod/db', 'team/token'] }),
      step('end', [], ['true']),
    ]);
    new MetaflowFlow(stack, 'SecretsFlow', { infrastructure, flow, image: 'local' });
    app.synth();
    const result = await run(LocalAssembly.fromDirectory(outdir), 'SecretsFlow', path.join(work, 'runs'), { secrets: { 'prod/db': 's3cr3t', 'team/token': { t: 1 } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(fs.readFileSync(out, 'utf8')).toBe('s3cr3t|{"t":1}|unset');

    const missing = await run(LocalAssembly.fromDirectory(outdir), 'SecretsFlow', path.join(work, 'runs2'), { secrets: { 'prod/db': 'x' } });
    expect(missing.status).toBe('SUCCEEDED');
    expect(fs.readFileSync(out, 'utf8')).toBe('x||unset');
  }, 60_000);
});
