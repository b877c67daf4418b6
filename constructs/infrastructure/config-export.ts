import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type ConfigInputs, type MetaflowConfig, buildMetaflowConfig, outputIdForKey, serviceAuthKeyCommand } from '../../lib/infrastructure/config-export';
import { ValidationError } from '../../lib/errors';
import { INFRA_OUTPUTS } from '../../lib/runtime/naming';
import type { MetaflowQueueRef } from './contract';

const exporters = new WeakMap<Stack, string>();

/** Stack output holding `{ "<queue name>": "<queue ARN>" }` for every queue. */
export const QUEUES_OUTPUT = 'MetaflowJobQueues';
/** Stack output holding the ARN of the secret with the metadata service's API key (never the key). */
export const SERVICE_AUTH_KEY_OUTPUT = INFRA_OUTPUTS.serviceAuthKey;

export interface MetaflowConfigExportProps {
  readonly inputs: ConfigInputs;
  readonly queues: readonly MetaflowQueueRef[];
}

/**
 * Stack outputs: one per Metaflow config key (id `MetaflowBatchJobQueue` for `METAFLOW_BATCH_JOB_QUEUE`, the key in
 * the description), the whole JSON for `metaflow configure import`, and the queues by name.
 * Output ids are fixed, so one stack holds one exported infrastructure.
 */
export class MetaflowConfigExport extends Construct {
  readonly config: MetaflowConfig;
  /** Tokens resolving to the JSON text at deploy time. */
  readonly configJson: string;

  constructor(scope: Construct, id: string, props: MetaflowConfigExportProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const previous = exporters.get(stack);
    if (previous !== undefined) {
      throw new ValidationError([{
        where: this.node.path,
        field: 'exportConfig',
        value: true,
        message: `${previous} already exports its config from this stack, and output ids are fixed so the CLI finds them`,
        fix: 'set exportConfig: false on all but one MetaflowInfrastructure of the stack, or put them in separate stacks',
      }]);
    }
    exporters.set(stack, this.node.path);
    this.config = buildMetaflowConfig(props.inputs);
    for (const [key, value] of Object.entries(this.config)) {
      new CfnOutput(this, key, { value, description: key }).overrideLogicalId(outputIdForKey(key));
    }
    this.configJson = stack.toJsonString(this.config);
    new CfnOutput(this, 'ConfigJson', {
      value: this.configJson,
      description: 'Metaflow config: save as ~/.metaflowconfig/config.json or pass to `metaflow configure import`',
    }).overrideLogicalId(INFRA_OUTPUTS.configJson);
    if (props.inputs.serviceHeadersSecretArn !== undefined) {
      new CfnOutput(this, 'ServiceAuthKey', {
        value: props.inputs.serviceHeadersSecretArn,
        description: `Secret of the metadata service API key; set METAFLOW_SERVICE_AUTH_KEY to the output of: ${serviceAuthKeyCommand('<this ARN>')}`,
      }).overrideLogicalId(SERVICE_AUTH_KEY_OUTPUT);
    }
    const queues = Object.fromEntries(props.queues.map((q) => [q.name, q.queue.jobQueueArn]));
    new CfnOutput(this, 'Queues', { value: stack.toJsonString(queues), description: 'Batch job queue ARNs by queue name' }).overrideLogicalId(QUEUES_OUTPUT);
  }
}
