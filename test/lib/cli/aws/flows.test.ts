import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { createClients } from '../../../../lib/cli/aws/clients';
import { listFlowStateMachines, manifestOf, resolveFlow, stateMachineNameFromArn } from '../../../../lib/cli/aws/flows';
import { definition, mocks, named, resetMocks, smArn, taggedMapping } from '../harness';

beforeEach(resetMocks);
const clients = () => createClients({});

describe('flows lookup', () => {
  test('stateMachineNameFromArn and manifestOf', () => {
    expect(stateMachineNameFromArn(smArn('Abc'))).toBe('Abc');
    expect(manifestOf(definition('F'))?.flow).toBe('F');
    expect(manifestOf('{"Comment":"hand written"}')).toBeUndefined();
    expect(manifestOf('not json')).toBeUndefined();
    expect(manifestOf(undefined)).toBeUndefined();
  });

  test('listFlowStateMachines skips mappings without the tag value and sorts by flow', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [taggedMapping('b', 'B'), { ResourceARN: smArn('X'), Tags: [] }, taggedMapping('a', 'A')],
    });
    expect((await listFlowStateMachines(clients())).map((f) => f.flow)).toEqual(['a', 'b']);
  });

  test('--state-machine is described directly; a missing one says how to list flows', async () => {
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: smArn('S') }).resolves({ definition: definition('Real') });
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: smArn('Gone') }).rejects(named('StateMachineDoesNotExist'));
    expect((await resolveFlow(clients(), 'Real', smArn('S'))).flow).toBe('Real');
    await expect(resolveFlow(clients(), 'Given', smArn('S'))).rejects.toThrow(
      `state machine ${smArn('S')} runs flow "Real", not "Given". Name the flow it runs, or drop --state-machine to find "Given" by name.`,
    );
    await expect(resolveFlow(clients(), 'Given', smArn('Gone'))).rejects.toThrow(/does not exist. Run `metaflow-cdk flows`/);
    expect(mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(0);
  });

  test('nothing deployed at all: says so and how to fix the region', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    await expect(resolveFlow(clients(), 'F')).rejects.toThrow(/no metaflow-cdk flows are deployed in this account and region \(check --region\/--profile/);
  });
});
