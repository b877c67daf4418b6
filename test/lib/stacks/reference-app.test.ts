import { REFERENCE_STACK_NAME, buildReferenceApp } from '../../../lib/stacks/reference-app';

describe('buildReferenceApp', () => {
  it('builds the reference stack with path metadata on, keeping caller context', () => {
    const { app, stack } = buildReferenceApp({ context: { extra: 'x' } });
    expect(stack.stackName).toBe(REFERENCE_STACK_NAME);
    expect(stack.infrastructure.queues).toHaveLength(3);
    expect(app.node.tryGetContext('aws:cdk:enable-path-metadata')).toBe(true);
    expect(app.node.tryGetContext('extra')).toBe('x');
  });
});
