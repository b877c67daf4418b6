import { userInfo } from 'node:os';

/** Who runs the CLI, as Metaflow resolves it: METAFLOW_USER, then USER/USERNAME, then the OS account. */
export function currentUser(): string {
  const fromEnv = process.env.METAFLOW_USER || process.env.USER || process.env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
