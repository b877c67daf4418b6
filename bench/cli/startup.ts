/**
 * How fast the compiled CLI answers: `metaflow-cdk --version`, and `run --local` of a 5-step trivial generic flow
 * from an already synthesized cloud assembly (`--cdk-out`), wall time of the whole process. Baselines: `node -e 0`
 * (this machine's process start) and the CLI through tsx (how `npm run cli` ran before the compiled CLI).
 *
 *   npm run build && npx tsx bench/cli/startup.ts [--reps 9] [--out bench/cli/RESULTS.md]
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIVE_STEP_FLOW } from './five-step-app';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist', 'bin', 'metaflow-cdk.js');
const TSX = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const REPS = Number(option('--reps', '9'));
const OUT = option('--out', path.join(__dirname, 'RESULTS.md'));

interface Sample {
  readonly wall: number;
  /** User + system CPU of the process and every child it waited for (GNU time): what load does not inflate. */
  readonly cpu: number;
}

function sample(command: string, commandArgs: string[]): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', command, ...commandArgs], { cwd: REPO, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status}: ${result.stderr}`);
  const [, user, system] = /cpu (\S+) (\S+)\s*$/.exec(result.stderr) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Row {
  readonly label: string;
  readonly wall: number;
  readonly minWall: number;
  readonly cpu: number;
}

function measure(label: string, command: string, commandArgs: string[]): Row {
  sample(command, commandArgs); // warm: file cache, Node's compile cache
  const samples = Array.from({ length: REPS }, () => sample(command, commandArgs));
  const row = { label, wall: median(samples.map((s) => s.wall)), minWall: Math.min(...samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)) };
  process.stderr.write(`${label}: wall median ${row.wall.toFixed(0)} ms (min ${row.minWall.toFixed(0)}), CPU median ${row.cpu.toFixed(0)} ms\n`);
  return row;
}

function main(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  const cdkOut = path.join(work, 'cdk.out');
  execFileSync(process.execPath, [TSX, path.join(__dirname, 'five-step-app.ts'), cdkOut], { cwd: REPO, stdio: 'inherit' });
  const run = ['run', '--local', FIVE_STEP_FLOW, '--cdk-out', cdkOut, '--run-root', path.join(work, 'runs'), '--no-progress'];
  const rows = [
    measure('node -e 0 (process start on this machine)', process.execPath, ['-e', '0']),
    measure('metaflow-cdk --version (compiled)', process.execPath, [CLI, '--version']),
    measure('metaflow-cdk --version (through tsx, as before)', process.execPath, [TSX, 'bin/metaflow-cdk.ts', '--version']),
    measure(`metaflow-cdk run --local ${FIVE_STEP_FLOW} --cdk-out (compiled, 5 tasks)`, process.execPath, [CLI, ...run]),
  ];
  fs.rmSync(work, { recursive: true, force: true });
  const runRow = rows[3];
  const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
  const text = [
    '# CLI start-up and a small local run',
    '',
    `Command: \`npm run build && npx tsx bench/cli/startup.ts --reps ${REPS}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version},`,
    `${os.cpus().length} cores, load average at the end ${load}). Whole process, median of ${REPS} after one warm-up; CPU counts`,
    'the CLI and every process it waited for (launchers, steps).',
    '',
    '| what | wall, median | wall, min | CPU (user+sys), median |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${r.wall.toFixed(0)} ms | ${r.minWall.toFixed(0)} ms | ${r.cpu.toFixed(0)} ms |`),
    '',
    `Per task of the 5-step run: wall ${(runRow.wall / 5).toFixed(0)} ms, CPU ${(runRow.cpu / 5).toFixed(0)} ms (whole process / 5, start-up included).`,
    '',
  ].join('\n');
  fs.writeFileSync(OUT, text);
  process.stdout.write(text);
}

main();
