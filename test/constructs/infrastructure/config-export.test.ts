import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { MetaflowConfigExport, QUEUES_OUTPUT } from '../../../constructs/infrastructure/config-export';
import type { ConfigInputs } from '../../../lib/infrastructure/config-export';
import { INFRA_OUTPUTS } from '../../../lib/runtime/naming';
import { renderCfnValue } from '../../../lib/stacks/summary';
import { newStack, problemsOf } from '../support';

describe('MetaflowConfigExport', () => {
  let outputs: Record<string, { Value: unknown; Description?: string }>;
  beforeAll(() => {
    const stack = newStack();
    new CfnResource(stack, 'Placeholder', { type: 'AWS::CloudFormation::WaitConditionHandle' });
    const queue = batch.JobQueue.fromJobQueueArn(stack, 'Q', 'arn:aws:batch:eu-west-1:123456789012:job-queue/cpu');
    const inputs: ConfigInputs = {
      bucketName: 'bucket', rootPrefix: 'metaflow', defaultQueueArn: queue.jobQueueArn, jobRoleArn: 'arn:job', executionRoleArn: 'arn:exec',
      stateMachineRoleArn: 'arn:sfn', eventsRoleArn: 'arn:events', tableName: Stack.of(stack).resolve('table') as string, stateMachinePrefix: 'mf',
      region: stack.region, hasSecrets: true,
    };
    new MetaflowConfigExport(stack, 'Config', { inputs, queues: [{ name: 'cpu', queue, capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 4 } }] });
    outputs = Template.fromStack(stack).toJSON().Outputs;
  });

  it('has one output per key with a fixed id and the key as description', () => {
    expect(outputs.MetaflowBatchJobQueue).toEqual({ Value: 'arn:aws:batch:eu-west-1:123456789012:job-queue/cpu', Description: 'METAFLOW_BATCH_JOB_QUEUE' });
    expect(outputs.MetaflowSfnStateMachinePrefix.Value).toBe('mf');
    expect(outputs.MetaflowDefaultSecretsBackendType.Value).toBe('aws-secrets-manager');
    expect(outputs.MetaflowServiceUrl).toBeUndefined();
  });

  it('holds the whole config as JSON whose keys match the per-key outputs', () => {
    const json = JSON.parse(renderCfnValue(outputs[INFRA_OUTPUTS.configJson].Value));
    for (const [key, value] of Object.entries(json)) {
      const id = Object.keys(outputs).find((o) => outputs[o].Description === key)!;
      expect(renderCfnValue(outputs[id].Value)).toBe(value);
    }
    expect(Object.keys(json)).toHaveLength(Object.values(outputs).filter((o) => o.Description?.startsWith('METAFLOW_')).length);
  });

  it('refuses a second exporter in the same stack', () => {
    const stack = newStack();
    const inputs = { bucketName: 'b', rootPrefix: 'p', defaultQueueArn: 'q', jobRoleArn: 'j', executionRoleArn: 'e', stateMachineRoleArn: 's', eventsRoleArn: 'v', tableName: 't', stateMachinePrefix: 'x', region: 'r', hasSecrets: false };
    new MetaflowConfigExport(stack, 'One', { inputs, queues: [] });
    const [p] = problemsOf(() => new MetaflowConfigExport(stack, 'Two', { inputs, queues: [] }));
    expect(p).toMatchObject({ where: 'Test/Two', field: 'exportConfig' });
    expect(p.message).toContain('Test/One already exports');
  });

  it('lists queues by name', () => {
    expect(JSON.parse(renderCfnValue(outputs[QUEUES_OUTPUT].Value))).toEqual({ cpu: 'arn:aws:batch:eu-west-1:123456789012:job-queue/cpu' });
  });
});
