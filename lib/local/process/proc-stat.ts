import * as fs from 'fs';

/** What `/proc/<pid>/stat` says of a process (Linux; undefined elsewhere or when the process is gone). */
export interface ProcStat {
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Clock ticks after boot when the process started: with the pid, it tells a process from a later one reusing its pid. */
  readonly startTicks: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** True when the process has exited (a zombie counts as exited). Without /proc, asks the kernel with signal 0. */
export function processGone(pid: number): boolean {
  const stat = procStat(pid);
  if (stat) return stat.state === 'Z';
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
