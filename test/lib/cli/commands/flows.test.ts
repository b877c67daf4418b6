import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { FLOW_TAGS } from '../../../../lib/runtime/naming';
import { cli, definition, mocks, named, resetMocks, smArn, taggedMapping, throttle } from '../harness';

beforeEach(resetMocks);

function deployTwoFlowsOverTwoPages() {
  mocks.tagging
    .on(GetResourcesCommand, { PaginationToken: undefined })
    .resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', 'TrainFlow-abc')], PaginationToken: 'page2' })
    .on(GetResourcesCommand, { PaginationToken: 'page2' })
    .resolves({ ResourceTagMappingList: [taggedMapping('EtlFlow', 'EtlFlow-def')], PaginationToken: '' });
  mocks.sfn
    .on(DescribeStateMachineCommand, { stateMachineArn: smArn('TrainFlow-abc') })
    .resolves({
      definition: definition('TrainFlow', [{ name: 'alpha', type: 'number', default: 1 }], undefined, {
        schedule: { cron: '0 12 * * ? *', timezone: 'Europe/Berlin' },
        triggers: [{ bucket: 'in', prefix: 'incoming/', suffix: '.csv' }],
      }),
      creationDate: new Date('2026-01-02T03:04:05Z'),
    })
    .on(DescribeStateMachineCommand, { stateMachineArn: smArn('EtlFlow-def') })
    .resolves({ definition: JSON.stringify({ StartAt: 'a', States: {} }), creationDate: new Date('2026-01-01T00:00:00Z') });
}

describe('flows', () => {
  test('lists every tagged state machine across pages, with schedule, triggers and parameters', async () => {
    deployTwoFlowsOverTwoPages();
    const result = await cli('flows');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FLOW\s+STATE MACHINE\s+CREATED\s+PARAMETERS\s+SCHEDULE\s+TRIGGERS$/);
    expect(lines[1]).toMatch(/^EtlFlow\s+EtlFlow-def/);
    expect(lines[2]).toContain('cron(0 12 * * ? *) Europe/Berlin');
    expect(lines[2]).toContain('s3://in/incoming/*.csv');
    expect(lines[2]).toContain('alpha');
    const call = mocks.tagging.commandCalls(GetResourcesCommand)[0].args[0].input;
    expect(call.ResourceTypeFilters).toEqual(['states:stateMachine']);
    expect(call.TagFilters).toEqual([{ Key: FLOW_TAGS.flowName }]);
  });

  test('--json has a stable shape', async () => {
    deployTwoFlowsOverTwoPages();
    const result = await cli('flows', '--json');
    const parsed = JSON.parse(result.stdout);
    expect(parsed.flows).toHaveLength(2);
    expect(parsed.flows[1]).toEqual({
      flow: 'TrainFlow',
      stateMachineArn: smArn('TrainFlow-abc'),
      stateMachineName: 'TrainFlow-abc',
      createdAt: '2026-01-02T03:04:05.000Z',
      managed: true,
      parameters: [{ name: 'alpha', type: 'number', default: 1 }],
      steps: ['start', 'train', 'end'],
      schedule: { cron: '0 12 * * ? *', timezone: 'Europe/Berlin' },
      triggers: [{ bucket: 'in', prefix: 'incoming/', suffix: '.csv' }],
    });
    expect(parsed.flows[0].managed).toBe(false);
  });

  test('no flows: a note on stderr, nothing on stdout, exit 0; --json gives an empty list', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const result = await cli('flows');
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toMatch(/No metaflow-cdk flows/);
    expect(JSON.parse((await cli('flows', '--json')).stdout)).toEqual({ flows: [] });
  });

  test('a state machine deleted since the tag index saw it is skipped', async () => {
    deployTwoFlowsOverTwoPages();
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: smArn('EtlFlow-def') }).rejects(named('StateMachineDoesNotExist'));
    const parsed = JSON.parse((await cli('flows', '--json')).stdout);
    expect(parsed.flows.map((f: { flow: string }) => f.flow)).toEqual(['TrainFlow']);
  });

  test('throttling is retried, then succeeds', async () => {
    mocks.tagging.on(GetResourcesCommand).rejectsOnce(throttle()).resolves({ ResourceTagMappingList: [] });
    const result = await cli('flows', '--json');
    expect(result.code).toBe(0);
    expect(mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(2);
  });

  test('throttling that does not stop ends in a clear message and exit 1', async () => {
    mocks.tagging.on(GetResourcesCommand).rejects(throttle());
    const result = await cli('flows');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/AWS kept throttling tag:GetResources after 4 attempts/);
  });

  test('missing credentials: tells how to configure them', async () => {
    const error = new Error('Could not load credentials from any providers');
    error.name = 'CredentialsProviderError';
    mocks.tagging.on(GetResourcesCommand).rejects(error);
    const result = await cli('flows');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no AWS credentials found.*aws configure/);
  });
});
