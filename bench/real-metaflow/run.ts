/**
 * Per-task wall time of the real Metaflow job script under `run --local`'s engine, beside Metaflow's own local
 * runtime (`python flow.py --datastore=local run`) on the same flow files, and the engine's own share of a run.
 *
 *   MFCDK_METAFLOW_SRC=<Metaflow source tree> [MFCDK_PYTHON=/usr/bin/python3] \
 *     npx tsx bench/real-metaflow/run.ts [--reps 3] [--out bench/real-metaflow/RESULTS.md]
 *
 * "task process" = from the task's log file being created (its process starting) to its last write (its end): the
 * job script's cost (about 8 Python starts per task). "engine share" = run wall time in which no task process ran
 * (servers, code package, state machine, Lambdas, Batch bookkeeping). Medians of `reps` runs.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalFlow } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { BENCH_FLOWS } from './flows';
import { benchOption, REPO } from '../support/args';

const REPS = Number(benchOption('--reps', '3'));
const OUT = benchOption('--out', path.join(__dirname, 'RESULTS.md'));
const SRC = process.env.MFCDK_METAFLOW_SRC;
const PYTHON = process.env.MFCDK_PYTHON ?? '/usr/bin/python3';
if (!SRC) throw new Error('set MFCDK_METAFLOW_SRC to a Metaflow source tree (the folder holding metaflow/)');

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Each task attempt's [start, end] in ms, from its log file. */
function taskIntervals(logsDir: string): Array<[number, number]> {
  const intervals: Array<[number, number]> = [];
  for (const step of fs.readdirSync(logsDir)) {
    for (const file of fs.readdirSync(path.join(logsDir, step))) {
      const stat = fs.statSync(path.join(logsDir, step, file));
      intervals.push([stat.birthtimeMs, stat.mtimeMs]);
    }
  }
  return intervals;
}

/** Total time covered by at least one interval. */
function covered(intervals: Array<[number, number]>): number {
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

async function engineRun(assembly: LocalAssembly, assemblyDirectory: string, runRoot: string, flow: string): Promise<{ wall: number; tasks: number; perTask: number; engine: number }> {
  const started = Date.now();
  const result = await runLocalFlow({
    assembly,
    assemblyDirectory,
    flow,
    runRoot,
    maxWorkers: 16,
    taskHost: { python: PYTHON, taskEnv: { PYTHONPATH: SRC! } },
  });
  const wall = Date.now() - started;
  if (result.status !== 'SUCCEEDED') throw new Error(`${flow}: ${result.status} ${result.error} ${result.cause}`);
  const intervals = taskIntervals(result.logsDir);
  const perTask = median(intervals.map(([s, e]) => e - s));
  return { wall: wall / 1000, tasks: intervals.length, perTask: perTask / 1000, engine: (wall - covered(intervals)) / 1000 };
}

function metaflowRun(file: string): { wall: number; tasks: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-bench-mf-'));
  const env = { PATH: process.env.PATH ?? '', HOME: dir, PYTHONPATH: SRC!, METAFLOW_HOME: dir, USERNAME: 'bench', METAFLOW_DATASTORE_SYSROOT_LOCAL: dir };
  fs.copyFileSync(file, path.join(dir, 'flow.py'));
  const started = Date.now();
  const run = spawnSync(PYTHON, ['flow.py', '--no-pylint', '--datastore=local', '--metadata=local', 'run'], { cwd: dir, env, encoding: 'utf8' });
  const wall = (Date.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`python ${file} run failed: ${run.stderr.slice(-2000)}`);
  const tasks = (`${run.stdout}\n${run.stderr}`.match(/Task finished successfully\./g) ?? []).length;
  fs.rmSync(dir, { recursive: true, force: true });
  return { wall, tasks };
}

async function main(): Promise<void> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-bench-real-synth-'));
  const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-bench-real-runs-'));
  process.stderr.write(`synthesizing into ${outdir} ...\n`);
  execFileSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(__dirname, 'synth.ts'), outdir], { cwd: REPO, stdio: 'ignore' });
  const assembly = LocalAssembly.fromDirectory(outdir);
  const rows: string[] = [];
  for (const { flow, file } of BENCH_FLOWS) {
    const ours: Array<Awaited<ReturnType<typeof engineRun>>> = [];
    const theirs: Array<ReturnType<typeof metaflowRun>> = [];
    for (let i = 0; i < REPS; i++) {
      ours.push(await engineRun(assembly, outdir, runRoot, flow));
      theirs.push(metaflowRun(path.join(REPO, file)));
    }
    const m = (xs: number[]): string => median(xs).toFixed(2);
    const cells = [
      flow,
      String(ours[0].tasks),
      `${m(ours.map((o) => o.wall))} s`,
      `${m(ours.map((o) => o.wall / o.tasks))} s`,
      `${m(ours.map((o) => o.perTask))} s`,
      `${m(ours.map((o) => o.engine))} s (${(median(ours.map((o) => o.engine / o.wall)) * 100).toFixed(0)} %)`,
      String(theirs[0].tasks),
      `${m(theirs.map((t) => t.wall))} s`,
      `${m(theirs.map((t) => t.wall / t.tasks))} s`,
    ];
    rows.push(`| ${cells.join(' | ')} |`);
    process.stderr.write(`${cells.join('  ')}\n`);
  }
  const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
  fs.writeFileSync(
    OUT,
    `# The real Metaflow under run --local vs Metaflow's local runtime

Recorded ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version},
Metaflow from \`MFCDK_METAFLOW_SRC\` with ${PYTHON}, median of ${REPS} run(s) each, \`--max-workers 16\`.
Load average when it ended: ${load} (other work shared the machine: read the figures as upper bounds).

Reproduce: \`MFCDK_METAFLOW_SRC=<Metaflow source tree> npx tsx bench/real-metaflow/run.ts --reps ${REPS}\` (rewrites this file).

| flow | tasks (engine) | engine wall | engine wall per task | task process (median) | engine share | tasks (Metaflow) | Metaflow wall | Metaflow wall per task |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- *task process*: one attempt of Metaflow's Batch job script, from its process starting to its last output: about
  8 Python starts per task (11 for \`start\`, which also runs \`init\` for the \`_parameters\` task). It is the
  script's cost, paid the same way on AWS Batch.
- *engine share*: the part of the run's wall time during which no task process ran: the local servers starting,
  the code package published to the local S3, the state machine interpreted, the coordination Lambdas, Batch's
  bookkeeping.
- The engine counts \`_parameters\` inside \`start\`'s job (as on AWS); Metaflow's local runtime counts tasks by
  "Task finished successfully".
`,
  );
  process.stderr.write(`wrote ${OUT}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
