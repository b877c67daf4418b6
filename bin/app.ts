#!/usr/bin/env node
import type { AppProps } from 'aws-cdk-lib';
import { addExampleFlows } from '../examples/flows';
import { buildReferenceApp, type ReferenceApp } from '../lib/stacks/reference-app';

/** The reference app with the example flows: what `cdk synth`/`cdk deploy` and the README's main job build. */
export function buildAppWithExamples(props: AppProps = {}): ReferenceApp {
  const reference = buildReferenceApp(props);
  addExampleFlows(reference.stack, reference.stack.infrastructure);
  return reference;
}

if (require.main === module) buildAppWithExamples().app.synth();
