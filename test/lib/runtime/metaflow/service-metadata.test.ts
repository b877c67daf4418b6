import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { metaflowStepCommand, metaflowStepCommands } from '../../../../lib/runtime/metaflow/command';
import { metaflowStepEnvironment } from '../../../../lib/runtime/metaflow/environment';
import { FIXTURES, batchStates, normaliseEnvFiles, recorded } from './fixture-deployment';

/**
 * Metaflow's own `step-functions create` with a metadata service configured (linear_flow/sfn_service_metadata.json):
 * every step's environment and command as ours with `metadata: 'service'`.
 */
describe('with a metadata service, as Metaflow compiles it', () => {
  const fixture = recorded('linear_flow');
  const theirs = batchStates(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'linear_flow', 'sfn_service_metadata.json'), 'utf-8')));
  const start = Object.fromEntries(theirs[0].Parameters.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
  const deployment = { ...fixture.deployment, metadata: 'service' as const, serviceUrl: start.METAFLOW_SERVICE_URL };

  it('the recording is of a service: Metaflow wrote --metadata=service and the service variables', () => {
    expect(start).toMatchObject({ METAFLOW_DEFAULT_METADATA: 'service', METAFLOW_SERVICE_URL: expect.stringMatching(/^http/), METAFLOW_SERVICE_HEADERS: '{}' });
    expect(theirs[0].Parameters.ContainerOverrides.Command[2]).toContain('--metadata=service');
  });

  test.each(theirs.map((s) => [s.name, s] as const))('step %s: environment and command', (name, state) => {
    expect(metaflowStepEnvironment(fixture.graph, name, deployment)).toEqual(state.Parameters.ContainerOverrides.Environment);
    const ours = metaflowStepCommand(fixture.graph, name, deployment, { staticBatchSteps: fixture.staticBatchSteps });
    expect(normaliseEnvFiles(ours[2])).toBe(normaliseEnvFiles(state.Parameters.ContainerOverrides.Command[2]));
  });

  it('an API key from Secrets Manager stays out of the overrides (the job definition carries it as a Batch secret)', () => {
    const names = metaflowStepEnvironment(fixture.graph, 'start', { ...deployment, serviceHeadersSecret: true }).map((e) => e.Name);
    expect(names).not.toContain('METAFLOW_SERVICE_HEADERS');
    expect(names).toEqual(expect.arrayContaining(['METAFLOW_SERVICE_URL', 'METAFLOW_DEFAULT_METADATA']));
  });
});

/**
 * The contract the local engine relies on: the provider is the job's METAFLOW_DEFAULT_METADATA, expanded by bash, so a
 * run is pointed at another service by its environment alone. Runs the step's Metaflow commands under bash with
 * `python` stubbed to print its arguments.
 */
describe('the metadata provider comes from the job environment', () => {
  const fixture = recorded('linear_flow');
  const argsUnder = (overrides: Record<string, string>, metadata: 'local' | 'service') => {
    const deployment = { ...fixture.deployment, metadata, ...(metadata === 'service' ? { serviceUrl: 'http://md.internal/' } : {}) };
    const env = Object.fromEntries(metaflowStepEnvironment(fixture.graph, 'end', deployment).flatMap((e) => ('Value' in e ? [[e.Name, e.Value]] : [])));
    const script = `python(){ printf '%s\\n' "$@"; }; ${metaflowStepCommands(fixture.graph, 'end', deployment).join(' && ')}`;
    return execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH, ...env, ...overrides, METAFLOW_RUN_ID: 'r1', AWS_BATCH_JOB_ID: 'j1', AWS_BATCH_JOB_ATTEMPT: '1' }, encoding: 'utf-8' }).split('\n');
  };

  it('local without a service, service with one', () => {
    expect(argsUnder({}, 'local')).toContain('--metadata=local');
    expect(argsUnder({}, 'service')).toContain('--metadata=service');
  });

  it('the environment alone switches a compiled step to a service', () => {
    const args = argsUnder({ METAFLOW_DEFAULT_METADATA: 'service' }, 'local');
    expect(args).toContain('--metadata=service');
    expect(args).not.toContain('--metadata=local');
  });
});
