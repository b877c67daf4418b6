import * as path from 'path';

/** Search paths the engine and a job both set: joined, not replaced. */
const JOINED = ['PATH', 'PYTHONPATH'] as const;

/**
 * A task's variables: the job's, then the engine's host variables over them (local endpoints, credentials, the task
 * interpreter). On AWS the job's `PATH` and `PYTHONPATH` hold; here the engine's own folder (its first entry: the
 * interpreter's `bin`, the task site folder) comes first, then the job's entries, then the rest of the engine's.
 * `replaced` names the other job variables the engine sets over, for the task's log.
 */
export function taskEnvOf(jobEnv: Readonly<Record<string, string>>, hostEnv: Readonly<Record<string, string>> | undefined): { env: Record<string, string>; replaced: string[] } {
  if (hostEnv === undefined) return { env: { ...jobEnv }, replaced: [] };
  const env: Record<string, string> = { ...jobEnv, ...hostEnv };
  for (const name of JOINED) {
    if (jobEnv[name] === undefined || hostEnv[name] === undefined) continue;
    const [own, ...rest] = hostEnv[name].split(path.delimiter);
    env[name] = [...new Set([own, ...jobEnv[name].split(path.delimiter), ...rest].filter((entry) => entry !== ''))].join(path.delimiter);
  }
  const replaced = Object.keys(jobEnv).filter((name) => !(JOINED as readonly string[]).includes(name) && hostEnv[name] !== undefined && hostEnv[name] !== jobEnv[name]);
  return { env, replaced };
}
