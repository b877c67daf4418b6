import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export class SynthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthError';
  }
}

/** The command `cdk synth` would run for the app in `appDir` (cdk.json `app`), else `npx tsx bin/app.ts`. */
export function appCommand(appDir: string): string {
  const cdkJson = path.join(appDir, 'cdk.json');
  if (fs.existsSync(cdkJson)) {
    const app = (JSON.parse(fs.readFileSync(cdkJson, 'utf8')) as { app?: unknown }).app;
    if (typeof app === 'string' && app.trim()) return app;
  }
  if (fs.existsSync(path.join(appDir, 'bin', 'app.ts'))) return 'npx tsx bin/app.ts';
  throw new SynthError(`${appDir} has no cdk.json with an "app" command and no bin/app.ts: pass --app <dir of the CDK app> or --cdk-out <dir>`);
}

/**
 * Synthesizes the CDK app in `appDir` the way the CDK CLI does (its app command with `CDK_OUTDIR`) into `outdir`
 * (by default a new temporary folder, which the caller removes) and returns it. The app's own output goes to stderr
 * only when it fails.
 */
export async function synthesizeApp(appDir: string, outdir = temporaryOutdir()): Promise<string> {
  const command = appCommand(appDir);
  const output: Buffer[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: appDir,
      env: { ...process.env, CDK_OUTDIR: outdir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) {
    throw new SynthError(`synthesizing the app (${command}) failed with exit code ${code}:\n${Buffer.concat(output).toString().trim()}`);
  }
  if (!fs.readdirSync(outdir).some((f) => f.endsWith('.template.json'))) {
    throw new SynthError(`the app (${command}) wrote no *.template.json to ${outdir}: does it call app.synth()?`);
  }
  return outdir;
}

/** `work` with a cloud assembly of the app in `appDir`, synthesized into a temporary folder removed afterwards. */
export async function withSynthesizedApp<T>(appDir: string, work: (outdir: string) => Promise<T>): Promise<T> {
  const outdir = temporaryOutdir();
  try {
    return await work(await synthesizeApp(appDir, outdir));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function temporaryOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'metaflow-cdk-synth-'));
}
