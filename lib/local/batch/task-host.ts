import * as fs from 'fs';
import * as path from 'path';
import { LOCAL_AWS_ENV } from '../services/servers';

/**
 * The folder holding the `sitecustomize.py` put on every task's PYTHONPATH. It sits next to this module's folder in
 * the source tree; a compiled copy under dist/ finds it in lib/ (tsc copies no .py).
 */
export const TASK_SITE_DIR = [path.join(__dirname, '..', 'python'), path.resolve(__dirname, '..', '..', '..', '..', 'lib', 'local', 'python')].find(
  (candidate) => fs.existsSync(path.join(candidate, 'sitecustomize.py')),
) ?? path.join(__dirname, '..', 'python');

/** What the user chose for the host tasks run on (`--python`, `--task-env`). */
export interface TaskHostOptions {
  /** The interpreter `python` (and `python3`) means inside tasks. @default the `python` on PATH, else `python3` */
  readonly python?: string;
  /** Variables added to every task; `PYTHONPATH` is appended to the engine's own. @default none */
  readonly taskEnv?: Readonly<Record<string, string>>;
}

/** The endpoints tasks are sent to. */
export interface TaskEndpoints {
  readonly s3: string;
  readonly dynamodb: string;
  /** Answers Secrets Manager and refuses every other AWS service. */
  readonly fallback: string;
}

/** Finds `name` on PATH; undefined when absent. */
export function onPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The interpreter tasks get: `--python`, else `python` on PATH, else `python3`; undefined when none is found. */
export function taskPython(chosen: string | undefined): string | undefined {
  if (chosen !== undefined) return path.resolve(chosen);
  return onPath('python') ?? onPath('python3');
}

/**
 * Prepares `<runDir>/host`: a `bin` folder whose `python` and `python3` are the chosen interpreter (first on every
 * task's PATH) and an empty `METAFLOW_HOME`, so no `~/.metaflowconfig` of the user changes a task. Returns the
 * variables every task gets over its job's own: the local endpoints under every name an SDK or Metaflow reads,
 * dummy credentials, no instance metadata, no shared AWS config, no `pip install`.
 */
export function prepareTaskHost(runDir: string, endpoints: TaskEndpoints, options: TaskHostOptions): Record<string, string> {
  const host = path.join(runDir, 'host');
  const bin = path.join(host, 'bin');
  const metaflowHome = path.join(host, 'metaflow-home');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(metaflowHome, { recursive: true });
  const python = taskPython(options.python);
  if (python !== undefined) {
    for (const name of ['python', 'python3']) {
      const link = path.join(bin, name);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(python, link);
    }
  }
  const { PYTHONPATH: userPythonPath, PATH: userPath, ...taskEnv } = options.taskEnv ?? {};
  return {
    ...taskEnv,
    ...LOCAL_AWS_ENV,
    PATH: [bin, userPath ?? process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter),
    PYTHONPATH: [TASK_SITE_DIR, ...(userPythonPath ? [userPythonPath] : [])].join(path.delimiter),
    METAFLOW_HOME: metaflowHome,
    METAFLOW_SKIP_INSTALL_DEPENDENCIES: '1',
    METAFLOW_S3_ENDPOINT_URL: endpoints.s3,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.fallback,
    AWS_ENDPOINT_URL: endpoints.fallback,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(host, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(host, 'no-aws-credentials'),
  };
}
