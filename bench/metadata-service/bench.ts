/**
 * The local metadata service of `run --local --metadata-service`: its cold start (from nothing to the first `/ping`
 * answer: initdb, PostgreSQL, migrations, the service), its memory (PSS of PostgreSQL's processes and the service),
 * and the seconds it adds per task (the same Python flow, real Metaflow in every task, with and without it).
 *
 *   MFCDK_METADATA_SERVICE_SRC=<metaflow-service> MFCDK_METAFLOW_SRC=<metaflow> \
 *     npx tsx bench/metadata-service/bench.ts [--reps 5] [--flow-reps 3] [--out bench/metadata-service/RESULTS.md]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalFlow, type LocalRunResult } from '../../lib/local/run/engine';
import { resolveMetadataServiceSetup } from '../../lib/local/services/metadata/config';
import { startLocalMetadataService } from '../../lib/local/services/metadata/local-service';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { benchOption, REPO } from '../support/args';

const REPS = Number(benchOption('--reps', '5'));
const FLOW_REPS = Number(benchOption('--flow-reps', '3'));
const OUT = benchOption('--out', path.join(__dirname, 'RESULTS.md'));
const PYTHON = process.env.MFCDK_PYTHON ?? '/usr/bin/python3';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const setup = resolveMetadataServiceSetup({ python: PYTHON });

/** PSS in MB of a process, from /proc/<pid>/smaps_rollup. */
function pssMb(pid: number): number {
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf-8');
  return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) / 1024;
}

/** The process and its children (PostgreSQL's backends and auxiliary processes are the postmaster's children). */
function withChildren(pid: number): number[] {
  const children = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return Number(fs.readFileSync(`/proc/${p}/stat`, 'utf-8').replace(/^.*\) /, '').split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
  return [pid, ...children.map(Number)];
}

async function coldStarts(work: string): Promise<{ seconds: number[]; postgresMb: number[]; serviceMb: number[] }> {
  const seconds: number[] = [];
  const postgresMb: number[] = [];
  const serviceMb: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const started = Date.now();
    const service = await startLocalMetadataService({ setup, dir: path.join(work, `cold-${i}`) });
    seconds.push((Date.now() - started) / 1000);
    try {
      await fetch(`${service.url}/flows`); // one query, so the service's pool holds a connection as in a run
      postgresMb.push(withChildren(service.pids.postgres).reduce((sum, pid) => sum + pssMb(pid), 0));
      serviceMb.push(pssMb(service.pids.service));
    } finally {
      await service.stop();
    }
  }
  return { seconds, postgresMb, serviceMb };
}

const tasksOf = (r: LocalRunResult): number => r.stats.all().reduce((n, s) => n + s.succeeded + s.failed, 0);

async function flowRuns(work: string): Promise<{ flow: string; tasks: number; without: number; with: number } | string> {
  const metaflowSrc = process.env.MFCDK_METAFLOW_SRC;
  if (!metaflowSrc) return 'MFCDK_METAFLOW_SRC is not set: no per-task figure';
  const outdir = path.join(work, 'cdk.out');
  execFileSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(__dirname, 'app.ts'), outdir], { cwd: REPO, stdio: 'inherit' });
  const assembly = LocalAssembly.fromDirectory(outdir);
  const measure = async (withService: boolean): Promise<{ wall: number; tasks: number }> => {
    const walls: number[] = [];
    let tasks = 0;
    for (let i = 0; i < FLOW_REPS; i++) {
      const started = Date.now();
      const result = await runLocalFlow({
        assembly,
        flow: 'LinearAnchorFlow',
        cwd: work,
        runRoot: path.join(work, withService ? 'with' : 'without'),
        assemblyDirectory: outdir,
        taskHost: { python: PYTHON, taskEnv: { PYTHONPATH: metaflowSrc } },
        ...(withService ? { metadataService: { setup } } : {}),
      });
      if (result.status !== 'SUCCEEDED') throw new Error(`LinearAnchorFlow ${withService ? 'with' : 'without'} the service: ${result.status} ${result.error} ${result.cause}`);
      walls.push((Date.now() - started) / 1000);
      tasks = tasksOf(result);
    }
    return { wall: median(walls), tasks };
  };
  const without = await measure(false);
  const withService = await measure(true);
  return { flow: 'linear_flow (start -> middle -> end)', tasks: without.tasks, without: without.wall, with: withService.wall };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-bench-mdservice-'));
  try {
    const cold = await coldStarts(work);
    const flows = await flowRuns(work);
    const f = (n: number, digits = 2): string => n.toFixed(digits);
    const lines = [
      '# Local metadata service benchmark',
      '',
      `Recorded ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version},`,
      `PostgreSQL from ${setup.postgresBin}, metaflow-service ${setup.version}, ${PYTHON}.`,
      `Load average when it ended: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (other work shared the machine: read the figures as upper bounds).`,
      '',
      'Reproduce: `MFCDK_METADATA_SERVICE_SRC=../shared/vendor/metaflow-service MFCDK_METAFLOW_SRC=../shared/vendor/metaflow ' +
        `npx tsx bench/metadata-service/bench.ts --reps ${REPS} --flow-reps ${FLOW_REPS}\` (rewrites this file).`,
      '',
      '## Cold start and memory',
      '',
      `Median of ${REPS} starts, each from nothing: initdb of a new data directory, PostgreSQL up, the migrations applied, the service`,
      "started, to its first `/ping` answer (what `run --local --metadata-service` waits for before the first task; it starts beside",
      'the local S3 and DynamoDB servers). Memory: PSS after one query, PostgreSQL = the postmaster and all its processes.',
      '',
      '| measure | median | min | max |',
      '|---|---|---|---|',
      `| cold start to first /ping | ${f(median(cold.seconds))} s | ${f(Math.min(...cold.seconds))} s | ${f(Math.max(...cold.seconds))} s |`,
      `| PSS of PostgreSQL | ${f(median(cold.postgresMb), 1)} MB | ${f(Math.min(...cold.postgresMb), 1)} MB | ${f(Math.max(...cold.postgresMb), 1)} MB |`,
      `| PSS of the service | ${f(median(cold.serviceMb), 1)} MB | ${f(Math.min(...cold.serviceMb), 1)} MB | ${f(Math.max(...cold.serviceMb), 1)} MB |`,
      '',
      '## Seconds added per task',
      '',
    ];
    if (typeof flows === 'string') lines.push(flows);
    else {
      const added = flows.with - flows.without;
      lines.push(
        `The same flow, real Metaflow 2.19 in every task, median of ${FLOW_REPS} runs each; "added per task" = (with - without) / tasks,`,
        'so it includes the cold start above spread over the tasks (the start overlaps the other local servers\').',
        '',
        '| flow | tasks | without the service | with the service | added | added per task |',
        '|---|---|---|---|---|---|',
        `| ${flows.flow} | ${flows.tasks} | ${f(flows.without, 1)} s | ${f(flows.with, 1)} s | ${f(added, 1)} s | ${f(added / flows.tasks)} s |`,
      );
    }
    fs.writeFileSync(OUT, `${lines.join('\n')}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
