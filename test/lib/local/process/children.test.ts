import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcessRegistry } from '../../../../lib/local/process/children';
import { survivors } from '../fixtures/processes';


describe('ProcessRegistry', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-proc-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = (script: string, extra = {}) => ({
    command: ['sh', '-c', script],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/bin', DIR: dir },
    logFile: path.join(dir, 'log'),
    logHeader: '# header\n',
    ...extra,
  });

  test('reports the exit code and writes the header, stdout and stderr to the log', async () => {
    const registry = new ProcessRegistry();
    expect(await registry.run(spec('echo out; echo err >&2; exit 4'))).toEqual({ exitCode: 4, signal: undefined, timedOut: false, killed: false });
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('# header\nout\nerr\n');
    const missing = await registry.run({ ...spec(''), command: ['/no/such/program'] });
    expect(missing.spawnError).toMatch(/ENOENT/);
  });

  test('a timeout ends the whole process tree, grandchildren included', async () => {
    const registry = new ProcessRegistry();
    const exit = await registry.run(spec('sleep 30 & echo $! > "$DIR/pid"; wait', { timeoutMs: 300 }));
    expect(exit.timedOut).toBe(true);
    expect(await survivors([Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'))])).toEqual([]);
    expect(registry.size).toBe(0);
  });

  test('killAll ends every running tree, marks them killed and refuses new processes', async () => {
    const registry = new ProcessRegistry();
    const runs = [1, 2].map((i) => registry.run(spec(`sleep 30 & echo $! > "$DIR/pid${i}"; wait`)));
    // the launcher reports a pid after the process started: wait for both the processes and their reports
    while (!(fs.existsSync(path.join(dir, 'pid1')) && fs.existsSync(path.join(dir, 'pid2')) && registry.pids().length === 2)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await registry.killAll();
    for (const exit of await Promise.all(runs)) expect(exit.killed).toBe(true);
    expect(await survivors([1, 2].map((i) => Number(fs.readFileSync(path.join(dir, `pid${i}`), 'utf8'))))).toEqual([]);
    expect(await registry.run(spec('true'))).toMatchObject({ killed: true });
  });

  test('a process that starts while the registry is being stopped is ended too', async () => {
    const registry = new ProcessRegistry();
    const started = registry.run(spec('echo $$ > "$DIR/late"; sleep 30'));
    // stop before the launcher has reported the pid
    await registry.killAll(200);
    expect((await started).killed).toBe(true);
    const late = path.join(dir, 'late');
    if (fs.existsSync(late)) expect(await survivors([Number(fs.readFileSync(late, 'utf8'))])).toEqual([]);
  });

  test('aborting the signal of one process ends its tree and reports it stopped, not killed', async () => {
    const registry = new ProcessRegistry();
    const controller = new AbortController();
    const exit = registry.run(spec('sleep 30 & echo $! > "$DIR/pid"; wait', { signal: controller.signal }));
    const pidFile = path.join(dir, 'pid');
    while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()) || registry.size === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await exit).toMatchObject({ stopped: true, killed: false, timedOut: false });
    expect(await survivors([Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'))])).toEqual([]);
  });
});
