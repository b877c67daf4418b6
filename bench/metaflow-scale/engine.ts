/**
 * A Python flow's array-job foreach at scale through the local engine, with the protocol stand-in as every task:
 * wall time, the engine's peak RSS, state transitions, and the DynamoDB items at the end of the run.
 *
 *   npx tsx bench/metaflow-scale/engine.ts --width 10000 [--max-workers 6] [--process-per-task]
 *
 * Prints one Markdown row: width | tasks | wall | per task | engine peak RSS | transitions | cardinality item | largest
 * join-set item | join inputs in split order. The stand-in (one Python process per task) costs most of the wall time.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { metaflowStandin } from '../../lib/local/batch/command-hook';
import { runLocalFlow } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { joinSetItemBytes, metaflowCardinalityItemBytes } from '../../lib/runtime/metaflow/array-foreach';
import { scanCoordinationItems, type CoordinationItem } from '../../test/support/metaflow-e2e';
import { FLOW_DIR, FLOW_NAME } from './app';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const REPO = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const WIDTH = Number(option('--width', '10000'));
const WORKERS = Number(option('--max-workers', '6'));
// One stand-in server that forks each task (standin_server.py) unless --process-per-task: a Python start-up per task.
const FORK_SERVER = !args.includes('--process-per-task');

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-scale-'));
  const outdir = path.join(work, 'cdk.out');
  execFileSync('npx', ['tsx', path.join(__dirname, 'app.ts'), outdir], { cwd: REPO, stdio: 'inherit' });
  const assembly = LocalAssembly.fromDirectory(outdir);
  const python = execFileSync(process.env.METAFLOW_CDK_PYTHON ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf-8' }).trim();
  const datastore = path.join(work, 'datastore');
  const standin = metaflowStandin({ codeDir: FLOW_DIR, datastoreDir: datastore, python, env: { MFCDK_STANDIN_FOREACH_WIDTHS: JSON.stringify({ start: WIDTH }) }, forkServer: FORK_SERVER });
  let items = new Map<string, CoordinationItem>();
  const started = Date.now();
  const result = await runLocalFlow({
    assembly,
    flow: FLOW_NAME,
    cwd: REPO,
    runRoot: path.join(work, 'runs'),
    maxWorkers: WORKERS,
    parameters: { width: WIDTH },
    commandFor: standin,
    beforeServersStop: async ({ dynamodbEndpoint }) => void (items = await scanCoordinationItems(dynamodbEndpoint)),
  });
  const wall = (Date.now() - started) / 1000;
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.status}: ${result.error} ${result.cause?.slice(0, 500)}`);
  const runDir = path.join(datastore, FLOW_NAME, result.runId);
  const [join] = fs.readdirSync(path.join(runDir, 'join')).map((t) => JSON.parse(fs.readFileSync(path.join(runDir, 'join', t, 'task.json'), 'utf-8')) as { input_split_indexes: number[] });
  const inOrder = join.input_split_indexes.length === WIDTH && join.input_split_indexes.every((index, i) => index === i);
  const foreach = [...items.entries()].find(([, item]) => item.cardinality > 0)!;
  const sets = [...items.entries()].filter(([key]) => key.startsWith(`${foreach[0]}-joins-`));
  const largestSet = Math.max(...sets.map(([, set]) => set.parents.length));
  const tasks = result.stats.all().reduce((n, s) => n + s.succeeded + s.failed, 0);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const cpu = process.cpuUsage();
  console.error(`engine process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
  console.log(
    `| ${WIDTH.toLocaleString('en-US')} | ${tasks.toLocaleString('en-US')} | ${wall.toFixed(0)} s | ${((wall * 1000) / tasks).toFixed(1)} ms | ${rssMiB.toFixed(0)} MiB | ${result.stateTransitions} | ` +
      `${metaflowCardinalityItemBytes(foreach[1].cardinality).toLocaleString('en-US')} B | ${sets.length} sets, largest ${largestSet} ids (${joinSetItemBytes(WIDTH).toLocaleString('en-US')} B at most) | ${inOrder ? 'yes' : 'NO'} |`,
  );
  if (args.includes('--keep')) console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
