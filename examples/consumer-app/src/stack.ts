import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ComputeEnvironmentPresets, MetaflowFlow, MetaflowInfrastructure } from 'metaflow-cdk';
import { greetingFlow } from './greeting-flow';

/** The app's own stack: a one-queue Metaflow infrastructure and the greeting flow running on it. */
export class GreetingStack extends Stack {
  readonly infrastructure: MetaflowInfrastructure;
  readonly flow: MetaflowFlow;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.infrastructure = new MetaflowInfrastructure(this, 'Metaflow', {
      computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }) },
      queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
    });
    this.flow = new MetaflowFlow(this, 'Greeting', {
      infrastructure: this.infrastructure,
      image: 'public.ecr.aws/docker/library/node:22-slim',
      flow: greetingFlow,
    });
  }
}
