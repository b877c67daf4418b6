import * as fs from 'fs';
import * as path from 'path';
import { SPLIT_INDEX_HEADER } from '../../local/batch/log-header';
import { readRunRecord, effectiveStatus } from '../../local/run/run-record';
import { sleep, timing } from '../aws/timing';
import { CliError } from '../cli-error';
import { note, out, printJson } from '../output/print';
import type { LocalRun } from './find';

/** One attempt's log file: `<jobId>[-<array index>][-node<n>]-attempt<N>.log`, as the local Batch names them. */
export interface LocalAttemptLog {
  /** As Batch names the task: the job id, `<job>:<index>` for an array child, `<job>#<node>` for a node. */
  readonly task: string;
  readonly jobId: string;
  readonly index?: number;
  readonly node?: number;
  readonly attempt: number;
  readonly file: string;
}

const LOG_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-(\d+))?(?:-node(\d+))?-attempt(\d+)\.log$/;

/** The folder the local Batch writes a step's logs to (it replaces characters a file name should not hold). */
export function stepLogDir(runDir: string, step: string): string {
  return path.join(runDir, 'logs', step.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/** A step's attempt logs, grouped by task in the order the tasks started, attempts in order. */
export function attemptLogs(runDir: string, step: string): LocalAttemptLog[] {
  const dir = stepLogDir(runDir, step);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const logs = names.flatMap((name): LocalAttemptLog[] => {
    const match = LOG_NAME.exec(name);
    if (!match) return [];
    const [, jobId, index, node, attempt] = match;
    const task = `${jobId}${index !== undefined ? `:${index}` : ''}${node !== undefined ? `#${node}` : ''}`;
    return [{ task, jobId, index: index === undefined ? undefined : Number(index), node: node === undefined ? undefined : Number(node), attempt: Number(attempt), file: path.join(dir, name) }];
  });
  const firstWritten = new Map<string, number>();
  for (const log of logs) {
    const written = fs.statSync(log.file).mtimeMs;
    firstWritten.set(log.jobId, Math.min(firstWritten.get(log.jobId) ?? Infinity, written));
  }
  return logs.sort(
    (a, b) =>
      firstWritten.get(a.jobId)! - firstWritten.get(b.jobId)! ||
      a.jobId.localeCompare(b.jobId) ||
      (a.index ?? -1) - (b.index ?? -1) ||
      (a.node ?? -1) - (b.node ?? -1) ||
      a.attempt - b.attempt,
  );
}

/**
 * A task is a job id (all of an array job's children, all of a multi-node job's nodes), a task id as `status` shows
 * it, a number (a foreach task's split index; an array index where the log names no split; a node index), or an
 * unambiguous start of a job id.
 */
export function matchesLocalTask(log: LocalAttemptLog, task: string | undefined, all: readonly LocalAttemptLog[]): boolean {
  if (task === undefined) return true;
  if (log.task === task || log.jobId === task) return true;
  if (/^\d+$/.test(task)) {
    const split = log.node === undefined ? splitIndexInLog(log.file) : undefined;
    return (split ?? log.index ?? log.node) === Number(task);
  }
  const jobs = new Set(all.filter((l) => l.jobId.startsWith(task)).map((l) => l.jobId));
  return jobs.size === 1 && log.jobId.startsWith(task);
}

/** The foreach split the engine wrote in a task's log header, if it did. */
function splitIndexInLog(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const text = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)).toString('utf8');
    const line = text.split('\n').find((l) => l.startsWith(SPLIT_INDEX_HEADER));
    return line === undefined ? undefined : Number(line.slice(SPLIT_INDEX_HEADER.length));
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes read at a time: a task's log may be larger than a string can hold. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Calls `onLine` for each line of `file` from byte `from`, a chunk at a time; a last line without its newline waits
 * for it unless `final`. Returns the offset after the last line given.
 */
export function forEachNewLine(file: string, from: number, final: boolean, onLine: (line: string) => void): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let position = from;
    let carry = Buffer.alloc(0);
    while (position < size) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - position));
      const read = fs.readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      position += read;
      const data = Buffer.concat([carry, chunk.subarray(0, read)]);
      // a newline byte never occurs inside a UTF-8 sequence: splitting there keeps every character whole
      const last = data.lastIndexOf(0x0a);
      if (last < 0) {
        carry = data;
        continue;
      }
      for (const line of data.subarray(0, last).toString('utf8').split('\n')) onLine(line);
      carry = data.subarray(last + 1);
    }
    if (final && carry.length > 0) {
      onLine(carry.toString('utf8'));
      carry = Buffer.alloc(0);
    }
    return position - carry.length;
  } finally {
    fs.closeSync(fd);
  }
}

/** Prints a step's logs (every task, every attempt); with `follow`, keeps printing until the run has ended. */
export async function printLocalLogs(run: LocalRun, target: { step: string; task?: string }, options: { json?: boolean; follow?: boolean }): Promise<void> {
  const { record, dir } = run;
  // the flow's steps come from its manifest (they have a type); without one, the steps that ran are known once it ended
  const fromManifest = record.steps.filter((s) => s.type !== undefined);
  const steps = (fromManifest.length ? fromManifest : run.status === 'RUNNING' ? [] : record.steps).map((s) => s.step);
  if (steps.length && !steps.includes(target.step)) throw new CliError(`flow ${record.flow} has no step "${target.step}"; its steps: ${steps.join(', ')}`);
  const where = `${record.runId}/${target.step}${target.task ? `/${target.task}` : ''}`;
  const selected = () => {
    const all = attemptLogs(dir, target.step);
    return all.filter((log) => matchesLocalTask(log, target.task, all));
  };
  const printed = new Map<string, number>();
  const collected: { task: string; attempt: number; message: string }[] = [];
  const readNew = (logs: readonly LocalAttemptLog[], final: boolean) => {
    const tasks = new Set(logs.map((log) => log.task));
    const retried = new Set(logs.filter((log) => log.attempt > 1).map((log) => log.task));
    for (const log of logs) {
      const from = printed.get(log.file) ?? 0;
      let announced = false;
      const next = forEachNewLine(log.file, from, final, (message) => {
        if (!announced && from === 0 && retried.has(log.task) && !options.json) note(`--- ${target.step}/${log.task} attempt ${log.attempt} ---`);
        announced = true;
        if (options.json) collected.push({ task: log.task, attempt: log.attempt, message });
        else out(tasks.size > 1 && target.task === undefined ? `[${target.step}/${log.task}] ${message}` : message);
      });
      printed.set(log.file, next);
    }
  };
  if (!options.follow) {
    const logs = selected();
    if (logs.length === 0) {
      throw new CliError(`no task logs for ${where} in ${path.join(dir, 'logs')} (the step may not have started${target.task ? ', or no task matches' : ''}); see \`metaflow-cdk status --local ${record.runId}\``);
    }
    readNew(logs, true);
    if (options.json) printJson({ runId: record.runId, flow: record.flow, step: target.step, lines: collected });
    return;
  }
  for (;;) {
    const ended = ((latest) => latest === undefined || effectiveStatus(latest).status !== 'RUNNING')(readRunRecord(dir));
    const logs = selected();
    readNew(logs, ended);
    if (ended) {
      if (logs.length === 0) throw new CliError(`run ${record.runId} has ended and ${where} wrote no task logs; see \`metaflow-cdk status --local ${record.runId}\``);
      note(`Run ${record.runId} has ended; ${new Set(logs.map((log) => log.task)).size} task(s) of ${target.step} printed above.`);
      return;
    }
    await sleep(Math.max(timing.pollMs / 4, 1));
  }
}
