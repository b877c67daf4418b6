import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow } from '../../../constructs/flow';
import { METAFLOW_FIXTURES } from '../../support/fixtures';
import { testInfrastructure } from './test-infrastructure';

const linear = path.join(METAFLOW_FIXTURES, 'linear_flow', 'flow.py');

/** The step commands, which live in each step's job definition (the overrides carry per-run values only). */
function commandsOf(tags: string[]): string {
  const stack = new Stack(new App(), 'Tags', { env: { account: '123456789012', region: 'us-east-1' } });
  const flow = new MetaflowFlow(stack, 'Flow', { infrastructure: testInfrastructure(stack), pythonFlowFile: linear, image: 'python:3.11', metaflow: { tags } });
  return JSON.stringify(flow.jobDefinitions.map((jd) => stack.resolve(jd.containerProperties)));
}

test("metaflow.tags tag every run as step-functions create --tag does: on the start step's init and on every step", () => {
  const commands = commandsOf(['user:tester']);
  expect(commands).toMatch(/init --run-id sfn-\$METAFLOW_RUN_ID --task-id \$\{AWS_BATCH_JOB_ID\}-params --tag user:tester/);
  expect(commands.match(/ step \w+ [^"]*--tag user:tester/g)?.length).toBeGreaterThanOrEqual(2);
  expect(commandsOf([])).not.toContain('--tag');
});

test('a tag that would break the unquoted step command is refused at synth with the fix', () => {
  expect(() => commandsOf(['two words'])).toThrow(/metaflow\.tags = "two words": .*may not hold spaces.*Fix: use letters/);
});
