import { App, type AppProps } from 'aws-cdk-lib';
import { MetaflowReferenceStack } from './reference-stack';
import { applySecurityChecks } from './security-checks';

export const REFERENCE_STACK_NAME = 'MetaflowReference';

export interface ReferenceApp {
  readonly app: App;
  readonly stack: MetaflowReferenceStack;
}

/**
 * The app `bin/app.ts` deploys: the reference stack with cdk-nag and the Control Tower guard rules registered,
 * so `app.synth()` fails on any unacknowledged finding. Add flows to `stack.infrastructure` before synthesizing.
 */
export function buildReferenceApp(props: AppProps = {}): ReferenceApp {
  const app = new App({ ...props, context: { 'aws:cdk:enable-path-metadata': true, ...props.context } });
  applySecurityChecks(app);
  const stack = new MetaflowReferenceStack(app, REFERENCE_STACK_NAME, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  return { app, stack };
}
