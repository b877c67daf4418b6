import { procStat, processGone } from '../process/proc-stat';

/** How often the processes that started this one are checked: a run stops within this long of them going away. */
export const PARENT_CHECK_MS = 250;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The processes between this one and the shell that started the command: ancestors in this process group
 * (`npm run` → `sh` → `tsx` → node are one job). Without /proc, the parent alone.
 */
export function commandAncestors(): number[] {
  const own = procStat(process.pid);
  if (!own) return [process.ppid];
  const ancestors: number[] = [];
  for (let pid = own.ppid; pid > 1; ) {
    const stat = procStat(pid);
    if (!stat || stat.pgrp !== own.pgrp) break;
    ancestors.push(pid);
    pid = stat.ppid;
  }
  return ancestors.length > 0 ? ancestors : [own.ppid];
}

/**
 * Aborts `controller` when this process is told to stop (SIGINT, SIGTERM, SIGHUP) or when what started it goes away
 * without passing a signal on (`npm` killed while `sh` and `tsx` stay, a dead IPC parent): a process of the command
 * that started this one ends, the parent pid changes, or the IPC channel closes. A run therefore never outlives the
 * command that started it. Returns the function that removes every listener.
 */
export function abortOnStop(controller: AbortController, onStop: (why: string) => void = () => undefined): () => void {
  const stop = (why: string): void => {
    if (controller.signal.aborted) return;
    onStop(why);
    controller.abort(new Error(why));
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(`received ${signal}`);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const parent = process.ppid;
  const ancestors = commandAncestors();
  const watch = setInterval(() => {
    const dead = process.ppid !== parent ? parent : ancestors.find(processGone);
    if (dead !== undefined) stop(`process ${dead} that started it went away`);
  }, PARENT_CHECK_MS);
  watch.unref();
  const onDisconnect = (): void => stop('its parent closed the IPC channel');
  if (process.connected) process.once('disconnect', onDisconnect);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    clearInterval(watch);
    process.removeListener('disconnect', onDisconnect);
  };
}
