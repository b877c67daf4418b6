import { spawn } from 'child_process';
import * as path from 'path';
import { TASK_SITE_DIR } from '../../../lib/local/batch/task-host';
import type { LocalServers } from '../../../lib/local/services/servers';

/**
 * Runs a script as a job's shell runs our commands around Metaflow's: `python` is the real Metaflow's interpreter
 * (linked into `<work>/bin`), Metaflow's source and the task site folder (which points Debian's older botocore at the
 * local S3 and DynamoDB, as `run --local` does for every task) on PYTHONPATH. Asynchronous: the local servers answer
 * from this process's event loop.
 */
export function runTaskShell(
  script: string,
  context: { work: string; servers: LocalServers; metaflowSrc: string },
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string }> {
  const full = {
    ...context.servers.env,
    PATH: `${path.join(context.work, 'bin')}:${process.env.PATH}`,
    HOME: context.work,
    METAFLOW_HOME: context.work,
    PYTHONPATH: [TASK_SITE_DIR, context.metaflowSrc].join(path.delimiter),
    METAFLOW_S3_ENDPOINT_URL: context.servers.s3Endpoint,
    USERNAME: 'tester',
    ...env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: context.work, env: full, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}
