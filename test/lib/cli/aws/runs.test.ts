import { DescribeExecutionCommand, DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { createClients } from '../../../../lib/cli/aws/clients';
import { executionArnFor, parseExecutionArn, resolveRun, runIdOfExecutionArn } from '../../../../lib/cli/aws/runs';
import { definition, execArn, mocks, resetMocks, smArn, taggedMapping } from '../harness';

beforeEach(resetMocks);

describe('execution ARNs', () => {
  test('round trip between state machine, execution name and execution ARN', () => {
    expect(executionArnFor(smArn('SM'), 'e1')).toBe(execArn('SM', 'e1'));
    expect(parseExecutionArn(execArn('SM', 'e1'))).toEqual({ stateMachineArn: smArn('SM'), executionName: 'e1' });
    expect(parseExecutionArn(smArn('SM'))).toBeUndefined();
    expect(runIdOfExecutionArn(execArn('SM', 'e1'))).toBe('sfn-e1');
  });
});

describe('resolveRun', () => {
  test('an execution ARN: the flow comes from the manifest, or the tag when there is none', async () => {
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition('FromManifest') });
    expect(await resolveRun(createClients({}), execArn('SM', 'e1'))).toMatchObject({ runId: 'sfn-e1', flow: 'FromManifest', stateMachineArn: smArn('SM') });
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: '{}' });
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('FromTag', 'SM')] });
    expect((await resolveRun(createClients({}), execArn('SM', 'e1'))).flow).toBe('FromTag');
  });

  test('a run id that no execution can have is a usage error before any AWS call', async () => {
    for (const run of ['sfn-', 'sfn-has space', 'sfn-a/b', `sfn-${'x'.repeat(81)}`, 'sfn-a\u0007b']) {
      await expect(resolveRun(createClients({}), run)).rejects.toMatchObject({
        message: expect.stringMatching(/^".*" is not a run id: a run id is sfn-<execution name>, and an execution name has 1 to 80 characters, .* `metaflow-cdk runs FLOW` lists the runs of a flow\.$/s),
        exitCode: 2,
      });
    }
    expect(mocks.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(0);
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('A', 'A')] });
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    expect((await resolveRun(createClients({}), `sfn-garbage!!-${'x'.repeat(67)}`)).runId).toBe(`sfn-garbage!!-${'x'.repeat(67)}`);
  });

  test('a run id found in two flows asks for --flow', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('A', 'A'), taggedMapping('B', 'B')] });
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    await expect(resolveRun(createClients({}), 'sfn-e1')).rejects.toThrow(/run sfn-e1 exists in several flows \(A, B\); choose one with --flow FLOW/);
  });
});
