import * as path from 'path';
import { packageRoot } from '../package-version';
import { formatRunReport } from './run/report';
import { runLocalFlow, type LocalRunResult } from './run/engine';
import { ProgressPrinter } from './run/progress';
import { RunStats } from './run/step-stats';
import { abortOnStop } from './run/stop-signals';
import { readLocalJson } from './services/s3-files';
import { LocalAssembly } from './template/assembly';
import { findFlow } from './template/flows';

/** The README's example: branch + foreach + join that computes sum of squares, mean and variance of 1..count. */
export const MAIN_JOB_FLOW = 'NumbersFlow';

export interface MainJobOptions {
  /** A synthesized cloud assembly; when it lacks the example flow, a small app with the example flows is synthesized. */
  readonly outdir?: string;
  /** Where the run's logs and the local S3 data go. @default `<cwd>/.local-runs` */
  readonly runRoot?: string;
  /** The flow's `count` parameter. @default the flow's default (10) */
  readonly count?: number;
  /** Receives the report. @default process.stdout */
  readonly write?: (text: string) => void;
  /** Live progress on stderr. @default true */
  readonly progress?: boolean;
  /** Stops the run when aborted. @default stopping on SIGINT/SIGTERM/SIGHUP or when the parent process goes away */
  readonly signal?: AbortSignal;
}

interface NumbersSummary {
  count: number;
  sumOfSquares: number;
  mean: number;
  max: number;
  variance: number;
}

function loadAssembly(outdir: string | undefined, write: (text: string) => void): LocalAssembly {
  if (outdir) {
    const assembly = LocalAssembly.fromDirectory(outdir);
    if (findFlow(assembly, MAIN_JOB_FLOW)) return assembly;
    write(`${MAIN_JOB_FLOW} is not in ${outdir}; synthesizing the example flows on their own ...\n`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesizeExampleApp } = require('./example-app') as typeof import('./example-app');
  return LocalAssembly.fromDirectory(synthesizeExampleApp());
}

/** The `summary` artifact the flow's `end` step wrote to the (local) datastore. */
export function readSummary(result: LocalRunResult): NumbersSummary | undefined {
  for (const prefix of ['metaflow/', '']) {
    const found = readLocalJson(result.s3Directory, `${prefix}${result.flow}/${result.runId}/end/1/summary.json`);
    if (found) return found as NumbersSummary;
  }
  return undefined;
}

/**
 * Runs the README's example flow on this machine end to end, exactly as compiled for AWS, prints the step table and
 * the result read back from the local datastore, and returns the exit code (0 only when the run succeeded and the
 * result checks out against a direct computation).
 */
export async function runMainJob(options: MainJobOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const assembly = loadAssembly(options.outdir, write);
  const stats = new RunStats();
  const progress = options.progress === false ? undefined : new ProgressPrinter(stats);
  write(`\nRunning ${MAIN_JOB_FLOW} locally (the same state machine and job definitions as on AWS) ...\n`);
  const controller = new AbortController();
  const removeStopListeners = options.signal ? () => undefined : abortOnStop(controller, (why) => write(`\nstopping the run (${why}) ...\n`));
  let result: LocalRunResult;
  try {
    result = await runLocalFlow({
      assembly,
      flow: MAIN_JOB_FLOW,
      signal: options.signal ?? controller.signal,
      parameters: options.count === undefined ? {} : { count: options.count },
      // the example's steps are the package's own scripts (`node examples/steps/numbers.mjs`), wherever it is installed
      cwd: packageRoot(),
      runRoot: options.runRoot ?? path.join(process.cwd(), '.local-runs'),
      stats,
      onStart: () => progress?.start(),
    });
  } finally {
    progress?.stop();
    removeStopListeners();
  }
  write(`${formatRunReport(result)}\n`);
  if (result.status !== 'SUCCEEDED') return 1;
  const summary = readSummary(result);
  if (!summary) {
    write(`the end step wrote no summary artifact under ${path.join(result.s3Directory)}\n`);
    return 1;
  }
  const n = summary.count;
  const expected = { sumOfSquares: (n * (n + 1) * (2 * n + 1)) / 6, mean: (n + 1) / 2, variance: (n * n - 1) / 12 };
  const ok =
    summary.sumOfSquares === expected.sumOfSquares &&
    Math.abs(summary.mean - expected.mean) < 1e-9 &&
    Math.abs(summary.variance - expected.variance) < 1e-9;
  write(
    `\nResult read back from the local datastore: n=${n}, sum of squares=${summary.sumOfSquares}, ` +
      `mean=${summary.mean}, variance=${summary.variance} (${ok ? 'matches' : 'DOES NOT match'} n(n+1)(2n+1)/6, (n+1)/2, (n²-1)/12)\n`,
  );
  return ok ? 0 : 1;
}
