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
    while (!(fs.existsSync(path.join(dir, 'pid1')) && fs.existsSync(path.join(dir, 'pid2')))) await new Promise((r) => setTimeout(r, 20));
    expect(registry.pids()).toHaveLength(2);
    await registry.killAll();
    for (const exit of await Promise.all(runs)) expect(exit.killed).toBe(true);
    expect(await survivors([1, 2].map((i) => Number(fs.readFileSync(path.join(dir, `pid${i}`), 'utf8'))))).toEqual([]);
    expect(await registry.run(spec('true'))).toMatchObject({ killed: true });
  });
});
