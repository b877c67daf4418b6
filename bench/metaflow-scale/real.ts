/**
 * The scale flow with the real Metaflow in every task: `bench/metaflow-scale/flow/flow.py` (start → foreach(width) →
 * square → join → end, an array-job foreach) through the local engine, each task Metaflow's own job script.
 * Metaflow's join refuses inputs that are not one per split; the flow's join asserts split order; the end step
 * prints how many values the join got.
 *
 *   MFCDK_METAFLOW_SRC=<Metaflow source tree> [MFCDK_PYTHON=/usr/bin/python3] \
 *     npx tsx bench/metaflow-scale/real.ts [--width 500] [--max-workers 4]
 *
 * Prints one Markdown row: width | tasks | wall | per task | engine peak RSS | transitions | join inputs (end's line).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalFlow } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { benchOption, REPO } from '../support/args';
import { FLOW_NAME } from './app';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const WIDTH = Number(benchOption('--width', '500'));
const WORKERS = Number(benchOption('--max-workers', '4'));
const SRC = process.env.MFCDK_METAFLOW_SRC;
const PYTHON = process.env.MFCDK_PYTHON ?? '/usr/bin/python3';
if (!SRC) throw new Error('set MFCDK_METAFLOW_SRC to a Metaflow source tree (the folder holding metaflow/)');

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-scale-real-'));
  const outdir = path.join(work, 'cdk.out');
  execFileSync('npx', ['tsx', path.join(__dirname, 'app.ts'), outdir], { cwd: REPO, stdio: 'inherit' });
  const started = Date.now();
  const result = await runLocalFlow({
    assembly: LocalAssembly.fromDirectory(outdir),
    assemblyDirectory: outdir,
    flow: FLOW_NAME,
    runRoot: path.join(work, 'runs'),
    maxWorkers: WORKERS,
    parameters: { width: WIDTH },
    taskHost: { python: PYTHON, taskEnv: { PYTHONPATH: SRC! } },
  });
  const wall = (Date.now() - started) / 1000;
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.status}: ${result.error} ${result.cause?.slice(0, 800)} (kept ${work})`);
  const endLogs = path.join(result.logsDir, 'end');
  const printed = fs.readdirSync(endLogs).map((f) => fs.readFileSync(path.join(endLogs, f), 'utf-8')).join('\n');
  const splits = /splits (\d+)/.exec(printed)?.[1];
  const tasks = result.stats.all().reduce((n, s) => n + s.succeeded + s.failed, 0);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `| ${WIDTH} | ${tasks} | ${wall.toFixed(0)} s | ${((wall * 1000) / tasks).toFixed(0)} ms | ${rssMiB.toFixed(0)} MiB | ${result.stateTransitions} | ` +
      `${splits === String(WIDTH) ? `${splits} inputs, one per split, in split order` : `NOT ${WIDTH}: ${splits}`} |`,
  );
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
