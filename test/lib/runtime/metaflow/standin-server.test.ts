import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STANDIN_CLIENT } from '../../../../lib/local/batch/command-hook';
import { STANDIN_SERVER_SCRIPT } from '../../../../lib/runtime/metaflow/standin';

// A job script the stand-in refuses at once (no Metaflow environment): its message is the task's whole output.
const SCRIPT = 'python flow.py step start';
const REFUSAL = 'metaflow protocol violation';

let work: string;
let server: ChildProcess;
let port: number;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-standin-server-'));
  const portFile = path.join(work, 'port');
  server = spawn('python3', ['-S', STANDIN_SERVER_SCRIPT, portFile], { stdio: ['ignore', 'ignore', 'inherit'], cwd: work });
  while (!fs.existsSync(portFile)) {
    if (server.exitCode !== null) throw new Error(`the stand-in server exited with ${server.exitCode} before it listened`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  port = Number(fs.readFileSync(portFile, 'utf-8'));
}, 30_000);

afterAll(() => {
  server.kill();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs `client` as a task would (`bash -c client standin SCRIPT dir`, its log as stdout and stderr). */
function runClient(name: string, client: string): { log: string; exited: Promise<number | null> } {
  const log = path.join(work, `${name}.log`);
  const fd = fs.openSync(log, 'w');
  const child = spawn('bash', ['-c', client, 'standin', SCRIPT, work], { stdio: ['ignore', fd, fd], cwd: work, env: { PATH: process.env.PATH, MFCDK_STANDIN_PORT: String(port) } });
  fs.closeSync(fd);
  return { log, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

describe('the stand-in fork server (forkServer: true)', () => {
  test('runs the task as the client: its output reaches the client\'s log and its exit status is the client\'s', async () => {
    const task = runClient('plain', STANDIN_CLIENT);
    expect(await task.exited).toBe(1);
    expect(fs.readFileSync(task.log, 'utf-8')).toContain(REFUSAL);
  }, 30_000);

  // bash points descriptor 1 at the socket while it runs `echo $$ >&3`; a task forked in that moment once found a
  // socket there (ENXIO). This client keeps 1 and 2 on the socket for its whole life: the task must not care.
  test('writes to the descriptors the client saved before sending its pid, not to what its 1 and 2 are at that moment', async () => {
    const socketOnStdout = STANDIN_CLIENT.replace('echo $$ >&3;', () => 'exec 1>&3 2>&3; echo $$;');
    expect(socketOnStdout).not.toBe(STANDIN_CLIENT);
    const task = runClient('socket-on-stdout', socketOnStdout);
    expect(await task.exited).toBe(1);
    expect(fs.readFileSync(task.log, 'utf-8')).toContain(REFUSAL);
  }, 30_000);

  test('a client slow to send its pid stalls no other task and is still served', async () => {
    const slow = runClient('slow', STANDIN_CLIENT.replace('echo $$ >&3;', () => 'sleep 6; echo $$ >&3;'));
    let slowDone = false;
    void slow.exited.then(() => (slowDone = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const quick = runClient('quick', STANDIN_CLIENT);
    expect(await quick.exited).toBe(1);
    expect(slowDone).toBe(false);
    expect(fs.readFileSync(quick.log, 'utf-8')).toContain(REFUSAL);
    expect(await slow.exited).toBe(1);
    expect(fs.readFileSync(slow.log, 'utf-8')).toContain(REFUSAL);
  }, 30_000);
});
