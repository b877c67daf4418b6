import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Launcher } from '../../../../lib/local/process/launcher';
import { processesWithEnv, stillFound, survivors } from '../fixtures/processes';

describe('Launcher', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-launcher-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = (script: string) => ({
    command: ['sh', '-c', script],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/bin', DIR: dir },
    logFile: path.join(dir, 'log'),
    logHeader: '# header\n',
  });
  const launch = (launcher: Launcher, script: string) =>
    new Promise<{ pid?: number; exit: { exitCode?: number; signal?: string; spawnError?: string } }>((resolve) => {
      let pid: number | undefined;
      launcher.launch(spec(script), { onPid: (p) => (pid = p), onExit: (exit) => resolve({ pid, exit }) });
    });

  test('starts the process in the given cwd and env as its own group leader, and reports its pid and exit', async () => {
    const launcher = new Launcher();
    const { pid, exit } = await launch(launcher, 'echo "$DIR $(pwd)"; ps -o pgid= -p $$ | tr -d " "; exit 5');
    expect(exit).toEqual({ exitCode: 5, signal: undefined, spawnError: undefined });
    expect(launcher.pending).toBe(0);
    const [header, where, pgid] = fs.readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n');
    expect(header).toBe('# header');
    expect(where).toBe(`${dir} ${fs.realpathSync(dir)}`);
    expect(Number(pgid)).toBe(pid);
    launcher.close();
  });

  test('a launcher whose engine goes away ends every process tree it started', async () => {
    const launcher = new Launcher();
    const ended = launch(launcher, 'sleep 60 & echo $! > "$DIR/pid"; wait');
    while (!fs.existsSync(path.join(dir, 'pid')) || !fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim()) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    launcher.close();
    const { exit } = await ended;
    expect(exit.exitCode === undefined || exit.spawnError !== undefined).toBe(true);
    expect(await survivors([grandchild])).toEqual([]);
  }, 20_000);

  // The launcher then starts the process and reports its pid into a channel the engine has already closed.
  test('an engine that goes away while a launch is in flight leaves nothing running', async () => {
    for (let round = 0; round < 5; round++) {
      const launcher = new Launcher();
      const ended = launch(launcher, 'sleep 60 & echo $! > "$DIR/pid"; wait');
      launcher.close();
      const { exit } = await ended;
      expect(exit.spawnError).toBe('the local process launcher exited');
      expect(await stillFound(() => processesWithEnv(`DIR=${dir}`))).toEqual([]);
    }
  }, 30_000);
});
