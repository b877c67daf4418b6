#!/usr/bin/env node
/**
 * The README's main job: synthesizes the reference app with its example flows in-process (cdk-nag and the Control
 * Tower guard rules included), prints what it built, then runs the example flow NumbersFlow on this machine from
 * that same cloud assembly and checks its result.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suppressSdkNodeVersionWarning } from '../lib/cli/aws/warnings';
import { runMainJob } from '../lib/local/main-job';
import { formatSummary, summarizeAssembly } from '../lib/stacks/summary';
import { buildAppWithExamples } from './app';

export async function main(): Promise<number> {
  suppressSdkNodeVersionWarning();
  const outdir = mkdtempSync(join(tmpdir(), 'metaflow-cdk-'));
  const { app } = buildAppWithExamples({ outdir });
  const assembly = app.synth();
  console.log(formatSummary(summarizeAssembly(assembly)));
  console.log(`\nSecurity checks (cdk-nag AwsSolutions, Control Tower guard rules): passed`);
  console.log(`Cloud assembly: ${outdir}`);
  return runMainJob({ outdir });
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
