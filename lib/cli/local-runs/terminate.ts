import * as os from 'os';
import { effectiveStatus, readRunRecord } from '../../local/run/run-record';
import { sleep, timing } from '../aws/timing';
import { CliError } from '../cli-error';
import { out, printJson } from '../output/print';
import type { LocalRun } from './find';

/**
 * Stops a run of `run --local` from another terminal: SIGTERM to the process running it, which ends every task and
 * records ABORTED, as Ctrl-C does; then waits for that record.
 */
export async function terminateLocalRun(run: LocalRun, options: { wait: boolean; timeoutSeconds: number; json?: boolean }): Promise<void> {
  const { record } = run;
  const report = (stopped: boolean, status: string) => {
    if (options.json) printJson({ runId: record.runId, flow: record.flow, runDir: run.dir, previousStatus: run.status, stopped, status });
  };
  if (run.status !== 'RUNNING') {
    report(false, run.status);
    if (!options.json) out(`Run ${record.runId} of flow ${record.flow} is already ${run.status}; nothing to stop.`);
    return;
  }
  if (record.process.host !== os.hostname()) {
    throw new CliError(`run ${record.runId} runs on host ${record.process.host}, not this one (${os.hostname()}): stop it there, with Ctrl-C or \`metaflow-cdk terminate --local ${record.runId}\``);
  }
  // RUNNING here means effectiveStatus found the very process that started the run (a reused pid reads as ABORTED)
  const { pid } = record.process;
  process.kill(pid, 'SIGTERM');
  if (!options.wait) {
    report(true, 'RUNNING');
    if (!options.json) out(`Asked run ${record.runId} of flow ${record.flow} to stop (SIGTERM to process ${pid}).`);
    return;
  }
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const latest = readRunRecord(run.dir);
    const status = latest ? effectiveStatus(latest).status : 'ABORTED';
    if (status !== 'RUNNING') {
      report(true, status);
      if (!options.json) out(`Stopped run ${record.runId} of flow ${record.flow}: ${status}.`);
      return;
    }
    if (Date.now() >= deadline) {
      throw new CliError(`run ${record.runId} is still running ${options.timeoutSeconds}s after SIGTERM to process ${pid}; end it with \`kill -9 ${pid}\` (its task processes may then outlive it)`);
    }
    await sleep(Math.max(timing.pollMs / 4, 1));
  }
}
