import { spawn } from 'child_process';

export interface Finished {
  readonly code: number;
  readonly output: string;
  readonly timedOut: boolean;
  readonly seconds: number;
}

export interface RunProcessOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Appends everything the process prints (stdout and stderr, interleaved) to this file too. */
  readonly onOutput?: (chunk: string) => void;
}

/**
 * Runs one command and collects what it prints. Past the timeout it gets SIGTERM (the CLI then ends its task
 * processes and servers itself) and, 30 s later, SIGKILL: only this process, by its pid.
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<Finished> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    const collect = (data: Buffer): void => {
      const text = data.toString('utf-8');
      chunks.push(text);
      options.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    let kill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    }, options.timeoutMs);
    const done = (code: number): void => {
      clearTimeout(timer);
      if (kill) clearTimeout(kill);
      resolve({ code, output: chunks.join(''), timedOut, seconds: (Date.now() - started) / 1000 });
    };
    child.on('error', (error) => {
      chunks.push(`${error.message}\n`);
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** The last lines of some output that say something (no blank lines, no progress bars). */
export function lastLines(output: string, count = 3): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.slice(-count).join(' / ');
}
