import type { Construct } from 'constructs';
import type { IMetaflowInfrastructure } from '../../constructs/infrastructure/contract';
import { MetaflowFlow, MetaflowFlowProps } from '../../constructs/flow/metaflow-flow';
import { gridFlow, numbersFlow } from './numbers';

export { gridFlow, numbersFlow } from './numbers';

/** The image example steps run in on AWS (locally the engine runs their command on the host). */
export const EXAMPLE_IMAGE = 'public.ecr.aws/docker/library/node:22-slim';

export interface ExampleFlows {
  readonly numbers: MetaflowFlow;
  readonly grid: MetaflowFlow;
}

/** Adds the example flows to `scope`, running on `infrastructure`. */
export function addExampleFlows(
  scope: Construct,
  infrastructure: IMetaflowInfrastructure,
  options: Partial<Omit<MetaflowFlowProps, 'infrastructure' | 'flow'>> = {},
): ExampleFlows {
  const props = { infrastructure, image: EXAMPLE_IMAGE, ...options };
  return {
    numbers: new MetaflowFlow(scope, 'NumbersFlow', { ...props, flow: numbersFlow }),
    grid: new MetaflowFlow(scope, 'GridFlow', { ...props, flow: gridFlow }),
  };
}
