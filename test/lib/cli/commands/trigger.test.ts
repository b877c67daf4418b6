import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ParameterSpec } from '../../../../lib/graph/model';
import { cli, definition, execArn, mocks, named, resetMocks, smArn, taggedMapping, throttle } from '../harness';

const PARAMS: ParameterSpec[] = [
  { name: 'alpha', type: 'number', default: 0.5 },
  { name: 'name', type: 'string', required: true, help: 'who to greet' },
  { name: 'dry', type: 'boolean', default: false },
  { name: 'cfg', type: 'json', default: { k: 1 } },
];

beforeEach(() => {
  resetMocks();
  mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', 'TrainFlow-abc')] });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: definition('TrainFlow', PARAMS) });
  mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: execArn('TrainFlow-abc', 'e-123'), startDate: new Date('2026-11-21T10:00:00Z') });
});

function sentInput(): Record<string, unknown> {
  return JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input as string);
}

describe('trigger', () => {
  test('starts the flow with typed parameters plus defaults, and prints the run id on stdout', async () => {
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=bob', '-p', 'alpha=2', '--param', 'cfg={"k":2}');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('sfn-e-123\n');
    expect(result.stderr).toContain('metaflow-cdk status sfn-e-123');
    expect(mocks.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toBe(smArn('TrainFlow-abc'));
    expect(sentInput()).toEqual({ Parameters: { name: 'bob', alpha: 2, cfg: { k: 2 }, dry: false }, User: 'alice' });
    expect(mocks.tagging.commandCalls(GetResourcesCommand)[0].args[0].input.TagFilters?.[0].Values).toEqual(['TrainFlow']);
  });

  test("a Metaflow flow's JSONType values travel as JSON text, which Metaflow's job script exports safely; a generic flow's as objects", async () => {
    const metaflow = JSON.parse(definition('TrainFlow', PARAMS));
    metaflow.States = { 'Init.metaflow': { Type: 'Pass', Next: 'start' } };
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: JSON.stringify(metaflow) });
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=bob', '--param', 'cfg={"k": [1, 2]}');
    expect(result.code).toBe(0);
    const parameters = sentInput().Parameters as Record<string, unknown>;
    expect(parameters.cfg).toBe('{"k":[1,2]}');
    expect(parameters.alpha).toBe(0.5);
  });

  test('--json shape, --user and --run-id-file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trigger-')), 'run-id');
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=bob', '--user', 'ci', '--run-id-file', file, '--json');
    expect(JSON.parse(result.stdout)).toEqual({
      flow: 'TrainFlow',
      runId: 'sfn-e-123',
      executionArn: execArn('TrainFlow-abc', 'e-123'),
      stateMachineArn: smArn('TrainFlow-abc'),
      startDate: '2026-11-21T10:00:00.000Z',
      user: 'ci',
      parameters: { name: 'bob', alpha: 0.5, dry: false, cfg: { k: 1 } },
    });
    expect(readFileSync(file, 'utf8')).toBe('sfn-e-123');
  });

  test('a --run-id-file that cannot be written: exit 1, and the message still names the started run', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trigger-')), 'missing-dir', 'run-id');
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=bob', '--run-id-file', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: started run sfn-e-123 of flow TrainFlow, but cannot write --run-id-file ${file}: no such file or directory. Create its directory or choose another path.\n`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('every parameter problem at once, exit 2, and nothing started', async () => {
    const result = await cli('trigger', 'TrainFlow', '--param', 'alpha=abc', '--param', 'dry=maybe', '--param', 'cfg={bad', '--param', 'gamma=1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/5 parameter problem/);
    expect(result.stderr).toMatch(/--param alpha \(number\) = "abc": is not a number/);
    expect(result.stderr).toMatch(/--param dry \(boolean\) = "maybe": is not a boolean/);
    expect(result.stderr).toMatch(/--param cfg \(json\) = "\{bad": is not valid JSON/);
    expect(result.stderr).toMatch(/--param gamma = "1": is not a parameter of this flow. Fix: declared parameters: alpha, name, dry, cfg/);
    expect(result.stderr).toMatch(/--param name \(string\) = \(not set\): is required .* Fix: pass --param name=VALUE \(who to greet\)/);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a --param without = is a usage error', async () => {
    const result = await cli('trigger', 'TrainFlow', '--param', 'alpha');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--param expects NAME=VALUE/);
  });

  test('unknown flow: lists the deployed flows, exit 1', async () => {
    mocks.tagging.reset();
    mocks.tagging
      .on(GetResourcesCommand)
      .callsFake((input) => ({ ResourceTagMappingList: input.TagFilters[0].Values ? [] : [taggedMapping('TrainFlow', 'TrainFlow-abc'), taggedMapping('EtlFlow', 'Etl')] }));
    const result = await cli('trigger', 'Nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/flow "Nope" is not deployed here; deployed flows: EtlFlow, TrainFlow/);
  });

  test('a flow name on two state machines asks for --state-machine, which then picks one', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', 'A'), taggedMapping('TrainFlow', 'B')] });
    const ambiguous = await cli('trigger', 'TrainFlow', '--param', 'name=x');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('--state-machine');
    const chosen = await cli('trigger', 'TrainFlow', '--param', 'name=x', '--state-machine', smArn('B'));
    expect(chosen.code).toBe(0);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toBe(smArn('B'));
  });

  test('a state machine the tagging API still lists after a redeploy deleted it is passed over', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', 'TrainFlow-new'), taggedMapping('TrainFlow', 'TrainFlow-old')] });
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: smArn('TrainFlow-old') }).rejects(named('StateMachineDoesNotExist', `State Machine Does Not Exist: '${smArn('TrainFlow-old')}'`));
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=x');
    expect(result.code).toBe(0);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toBe(smArn('TrainFlow-new'));
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [taggedMapping('TrainFlow', 'TrainFlow-old')] });
    const gone = await cli('trigger', 'TrainFlow', '--param', 'name=x');
    expect(gone).toMatchObject({ code: 1, stderr: expect.stringContaining('flow "TrainFlow" is not deployed here') });
  });

  test('--state-machine of another flow than the one named is refused before anything starts', async () => {
    const result = await cli('trigger', 'OtherFlow', '--param', 'name=x', '--state-machine', smArn('B'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('runs flow "TrainFlow", not "OtherFlow"');
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('StartExecution throttled once is retried', async () => {
    mocks.sfn.on(StartExecutionCommand).rejectsOnce(throttle('ThrottlingException')).resolves({ executionArn: execArn('TrainFlow-abc', 'e-9') });
    const result = await cli('trigger', 'TrainFlow', '--param', 'name=x');
    expect(result).toMatchObject({ code: 0, stdout: 'sfn-e-9\n' });
  });

  test('an input over 256 KiB is refused before StartExecution', async () => {
    const result = await cli('trigger', 'TrainFlow', '--param', `name=${'x'.repeat(300 * 1024)}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/over Step Functions' limit/);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('parameters whose JSON alone passes Batch\'s 8,192 characters of container overrides are refused before StartExecution', async () => {
    const result = await cli('trigger', 'TrainFlow', '--param', `name=${'x'.repeat(8200)}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the parameters come to 82\d\d characters in each job's container overrides, and Batch fails a job whose overrides pass 8192 without running it; pass large values by S3 path/);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect((await cli('trigger', 'TrainFlow', '--param', `name=${'x'.repeat(7000)}`)).code).toBe(0);
  });

  test('a state machine without a manifest gets its params unchecked, with a warning', async () => {
    mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition: '{"StartAt":"a","States":{}}' });
    const result = await cli('trigger', 'TrainFlow', '--param', 'anything=1');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/no metaflow-cdk manifest/);
    expect(sentInput()).toEqual({ Parameters: { anything: '1' }, User: 'alice' });
  });
});
