import type { Command } from 'commander';
import { readKeptRun, serveKeptRun } from '../../local/services/metadata/browse';
import { asCliError, metadataSetup } from '../local-metadata-options';
import { note, out } from '../output/print';
import { shlexQuote } from '../../runtime/metaflow/python-format';

interface ServeOptions {
  readonly metadataServiceSrc?: string;
  readonly python?: string;
}

/** Serves a kept run until Ctrl-C; prints what to export for Metaflow's client. */
export async function serveLocalMetadata(runDir: string, options: ServeOptions, until: Promise<void> = nextSignal()): Promise<number> {
  let served;
  try {
    // the run directory first: a wrong one is the likelier mistake, and its message says where to find the right one
    readKeptRun(runDir);
    served = await serveKeptRun(runDir, metadataSetup(options));
  } catch (error) {
    throw asCliError(error);
  }
  try {
    out(Object.entries(served.env).map(([name, value]) => `export ${name}=${shlexQuote(value)}`).join('\n'));
    note(
      `\n# then, in Python (runs deployed to Step Functions live in the production namespace):\n` +
        `#   from metaflow import Flow, namespace; namespace(None); run = Flow(${JSON.stringify(served.info.flow)}).latest_run\n` +
        'serving until Ctrl-C ...',
    );
    await until;
  } finally {
    await served.stop();
  }
  return 0;
}

function nextSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function register(program: Command): void {
  const group = program.command('local-metadata').summary("kept local runs for Metaflow's client");
  group
    .command('serve')
    .summary("serve a kept run's metadata and artifacts to Metaflow's client")
    .description(
      'Starts the metadata service over the database a run kept (`run --local --metadata-service --keep-metadata`) and the ' +
        'local S3 over its artifacts, prints the variables that point Metaflow\'s client at them, and serves until Ctrl-C.',
    )
    .argument('<run-dir>', 'the run directory (<run root>/<flow>/<run id>, printed when the run started)')
    .option('--metadata-service-src <dir>', 'the metaflow-service source tree (default: $MFCDK_METADATA_SERVICE_SRC)')
    .option('--python <path>', "the metadata service's interpreter (default /usr/bin/python3)")
    .action(async (runDir: string, options: ServeOptions) => {
      process.exitCode = await serveLocalMetadata(runDir, options);
    });
}
