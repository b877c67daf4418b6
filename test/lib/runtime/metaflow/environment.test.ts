import { envEntry, metaflowJobParameters, metaflowStepEnvironment } from '../../../../lib/runtime/metaflow/environment';
import { FIXTURE_FLOWS, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('environment and job parameters of %s match Metaflow', (dir) => {
  const fixture = recorded(dir);

  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s', (name, state) => {
    expect(metaflowStepEnvironment(fixture.graph, name, fixture.deployment)).toEqual(state.Parameters.ContainerOverrides.Environment);
    expect(metaflowJobParameters(fixture.graph, name, fixture.deployment)).toEqual(state.Parameters.Parameters);
  });
});

describe('environment options', () => {
  const fixture = recorded('nested_foreach_flow');
  const names = (step: string, deployment = fixture.deployment) => metaflowStepEnvironment(fixture.graph, step, deployment).map((e) => e.Name);

  test('a foreach nested in a foreach gets the workflow timeout for its DynamoDB TTL, the outer one does not', () => {
    const deployment = { ...fixture.deployment, workflowTimeoutSeconds: 7200 };
    expect(metaflowStepEnvironment(fixture.graph, 'row', deployment)).toContainEqual({ Name: 'METAFLOW_SFN_WORKFLOW_TIMEOUT', Value: '7200' });
    expect(names('start', deployment)).not.toContain('METAFLOW_SFN_WORKFLOW_TIMEOUT');
  });

  test('optional settings appear only when set', () => {
    expect(names('end')).not.toContain('METAFLOW_SERVICE_URL');
    const env = metaflowStepEnvironment(fixture.graph, 'end', { ...fixture.deployment, serviceUrl: 'http://md', s3ServerSideEncryption: 'aws:kms', secretsBackendType: 'aws-secrets-manager' });
    expect(env).toEqual(expect.arrayContaining([
      { Name: 'METAFLOW_SERVICE_URL', Value: 'http://md' },
      { Name: 'METAFLOW_S3_SERVER_SIDE_ENCRYPTION', Value: 'aws:kms' },
      { Name: 'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE', Value: 'aws-secrets-manager' },
    ]));
  });

  test('the parameters JSONPath can follow a different execution input shape', () => {
    const params = recorded('params_flow');
    const env = metaflowStepEnvironment(params.graph, 'start', params.deployment, { parametersPath: 'States.JsonToString($.Parameters)' });
    expect(env).toContainEqual({ Name: 'METAFLOW_PARAMETERS', Value: 'States.JsonToString($.Parameters)' });
  });

  test('foreach coordination without a table is refused', () => {
    expect(() => metaflowStepEnvironment(fixture.graph, 'start', { ...fixture.deployment, dynamoDbTable: undefined })).toThrow(/dynamoDbTable/);
  });

  test('envEntry turns JSONPaths into Value.$', () => {
    expect(envEntry('A', '$.JobId')).toEqual({ Name: 'A', 'Value.$': '$.JobId' });
    expect(envEntry('A', '$$.Execution.Name')).toEqual({ Name: 'A', 'Value.$': '$$.Execution.Name' });
    expect(envEntry('A', 'sfn-${X}')).toEqual({ Name: 'A', Value: 'sfn-${X}' });
  });
});
