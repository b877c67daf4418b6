import { spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { faultFlowTemplates } from '../../local/fixtures/flows';
import { survivors, waitForLines } from '../../local/fixtures/processes';

const REPO = path.resolve(__dirname, '../../../..');

/** Pids of every running process whose environment holds `marker` (whatever a command started, at any depth). */
function processesWith(marker: string): number[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return pid !== process.pid && fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

async function noneLeft(marker: string, withinMs: number): Promise<number[]> {
  return survivors(processesWith(marker), withinMs);
}

describe('a run whose starter goes away', () => {
  let tmp: string;
  let cdkOut: string;
  let out: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-parent-exit-'));
    cdkOut = path.join(tmp, 'cdk.out');
    out = path.join(tmp, 'out');
    fs.mkdirSync(cdkOut);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(cdkOut, 'Interrupt.template.json'), JSON.stringify(faultFlowTemplates(out).Interrupt));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const runArgs = (): string[] => ['run', '--local', 'Interrupt', '--cdk-out', cdkOut, '--run-root', path.join(tmp, 'runs'), '--no-progress'];

  /** Starts `command` with a marker in its environment, waits for the run's 8 task processes, then kills `victim`. */
  async function killStarter(command: string, args: string[], victim: 'starter', signal: NodeJS.Signals): Promise<{ marker: string; pids: number[] }> {
    const marker = `MFCDK_PARENT_EXIT_TEST=${randomUUID()}`;
    const [key, value] = marker.split('=');
    fs.rmSync(path.join(out, 'pids'), { force: true });
    const starter = spawn(command, args, { cwd: REPO, env: { ...process.env, [key]: value, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` }, stdio: 'ignore' });
    const exited = new Promise((resolve) => starter.on('exit', resolve));
    await waitForLines(path.join(out, 'pids'), 8, 60_000);
    expect(victim).toBe('starter');
    starter.kill(signal);
    await exited;
    const pids = fs.readFileSync(path.join(out, 'pids'), 'utf8').trim().split('\n').map(Number);
    return { marker, pids };
  }

  test('npm run cli killed by SIGTERM: the CLI behind sh and tsx stops, no task process or server is left', async () => {
    const { marker, pids } = await killStarter('npm', ['run', '--silent', 'cli', '--', ...runArgs()], 'starter', 'SIGTERM');
    expect(await survivors(pids, 10_000)).toEqual([]);
    expect(await noneLeft(marker, 10_000)).toEqual([]);
  }, 120_000);

  test('a parent killed outright (SIGKILL, no signal passed on): the run stops and leaves nothing behind', async () => {
    const cli = [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'bin/metaflow-cdk.ts', ...runArgs()];
    const parent = `require('child_process').spawn(process.execPath, ${JSON.stringify(cli)}, { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
    const { marker, pids } = await killStarter(process.execPath, ['-e', parent], 'starter', 'SIGKILL');
    expect(await survivors(pids, 10_000)).toEqual([]);
    expect(await noneLeft(marker, 10_000)).toEqual([]);
  }, 120_000);
});
