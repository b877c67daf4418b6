import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pythonFlowSecretIds } from '../../importer/python';
import { CODE_PACKAGE_METADATA_KEY, codePackageFiles, codePackageHash, type CodePackageSource } from '../../runtime/metaflow/code-package';
import { DEFAULT_METAFLOW_VERSION } from '../../runtime/metaflow/deployment';
import { TASK_SITE_DIR, taskPython, type TaskHostOptions } from '../batch/task-host';
import { secretKeyFor, type LocalSecretValues } from '../services/secrets-manager';
import type { LocalFlow } from '../template/flows';

/** The run cannot start as asked; the message names what is wrong and the fix, in one line. */
export class LocalRunRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalRunRefused';
  }
}

/** What the engine knows of a Metaflow flow before its first task. */
export interface MetaflowFlowFacts {
  /** The Metaflow version the flow was compiled for (`metaflow_version` of `METAFLOW_VERSION`). */
  readonly compiledVersion: string;
  readonly source?: CodePackageSource;
}

/** Undefined for a flow whose jobs are not Metaflow steps. */
export function metaflowFactsOf(flow: LocalFlow, resolvedTexts: readonly string[]): MetaflowFlowFacts | undefined {
  const text = resolvedTexts.join('\n');
  if (!text.includes('METAFLOW_FLOW_NAME')) return undefined;
  const version = /metaflow_version\\*"\s*:\s*\\*"([^"\\]+)/.exec(text)?.[1];
  const source = flow.stateMachine.metadata[CODE_PACKAGE_METADATA_KEY] as unknown as CodePackageSource | undefined;
  return { compiledVersion: version ?? DEFAULT_METAFLOW_VERSION, source };
}

/**
 * The flow's directory as synthesized must still hold what was packaged: a run from a cloud assembly made before the
 * flow file changed would run the old code.
 */
export function checkCodeUnchanged(flowName: string, facts: MetaflowFlowFacts, assemblyDirectory: string): void {
  const source = facts.source;
  if (!source) return;
  const directory = path.resolve(assemblyDirectory, source.directory);
  if (!fs.existsSync(path.join(directory, source.flowFile))) return; // the assembly was moved: nothing to compare with
  const now = codePackageHash(codePackageFiles(directory, { suffixes: source.suffixes, excludeDirs: [path.resolve(assemblyDirectory)] }));
  if (now !== source.contentHash) {
    throw new LocalRunRefused(
      `the code of flow ${flowName} in ${directory} (${source.flowFile} or a file beside it) changed since ${assemblyDirectory} was synthesized: ` +
        'synthesize again (metaflow-cdk synth, or run without --cdk-out)',
    );
  }
}

/** The environment a check of the task interpreter runs with: what a task's Python sees of PYTHONPATH and `--task-env`. */
function checkEnv(options: TaskHostOptions): Record<string, string> {
  const { PYTHONPATH: userPythonPath, ...taskEnv } = options.taskEnv ?? {};
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    USERNAME: 'metaflow-cdk',
    ...taskEnv,
    PYTHONPATH: [TASK_SITE_DIR, ...(userPythonPath ? [userPythonPath] : [])].join(path.delimiter),
    METAFLOW_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'metaflow-cdk-home-')),
  };
}

/** How long the import check may take: importing Metaflow takes a second on an idle machine, far more on a loaded one. */
const IMPORT_CHECK_TIMEOUT_MS = 180_000;

/**
 * The interpreter tasks run must import Metaflow and boto3 (the job script downloads its code package with boto3).
 * Returns a warning when that Metaflow's version is not the one the flow was compiled for.
 */
export function checkTaskInterpreter(facts: MetaflowFlowFacts, options: TaskHostOptions): { python: string; version: string; warning?: string } {
  const python = taskPython(options.python);
  const version = facts.compiledVersion;
  if (python === undefined) {
    throw new LocalRunRefused('no `python` or `python3` on PATH for the tasks of this Metaflow flow: pass --python PATH (an interpreter with Metaflow and boto3)');
  }
  const env = checkEnv(options);
  try {
    const check = spawnSync(python, ['-c', 'import boto3, metaflow; print(metaflow.__version__)'], { env, encoding: 'utf8', timeout: IMPORT_CHECK_TIMEOUT_MS });
    if ((check.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
      // a machine too busy to start Python is not a missing Metaflow: let the tasks find out
      return { python, version, warning: `${python} did not answer the Metaflow import check within ${IMPORT_CHECK_TIMEOUT_MS / 1000} s; running anyway` };
    }
    if (check.error || check.status !== 0) {
      const why = (check.stderr || String(check.error ?? '')).trim().split('\n').pop() ?? '';
      throw new LocalRunRefused(
        `${python} cannot import metaflow and boto3 for the tasks (${why}): install them (pip install metaflow==${version} boto3), ` +
          'point tasks at a copy (--task-env PYTHONPATH=<folder holding metaflow/>), pick another interpreter (--python PATH), ' +
          'or run the protocol stand-in instead (--metaflow-standin)',
      );
    }
    const found = check.stdout.trim().split('\n').pop() ?? '';
    const warning = found !== version
      ? `tasks run Metaflow ${found} (${python}) but the flow was compiled for ${version}: install metaflow==${version} if they disagree`
      : undefined;
    return { python, version: found, warning };
  } finally {
    fs.rmSync(env.METAFLOW_HOME, { recursive: true, force: true });
  }
}

/** Secret ids the flow's `@secrets` name, read from the flow file in its staged code package. */
export function flowSecretIds(flowName: string, facts: MetaflowFlowFacts, stagedPackageDir: string | undefined): string[] {
  if (!facts.source || !stagedPackageDir) return [];
  const file = path.join(stagedPackageDir, facts.source.flowFile);
  if (!fs.existsSync(file)) return [];
  return pythonFlowSecretIds(file, { flowClass: flowName });
}

/** Every secret the flow names must have a value in `--secrets-file`: the task would fail on it after minutes. */
export function checkSecrets(flowName: string, ids: readonly string[], values: LocalSecretValues | undefined): void {
  const missing = ids.filter((id) => secretKeyFor(id, values ?? {}) === undefined);
  if (missing.length === 0) return;
  throw new LocalRunRefused(
    `flow ${flowName} reads ${missing.length === 1 ? 'secret' : 'secrets'} ${missing.map((m) => JSON.stringify(m)).join(', ')} ` +
      `which ${values === undefined ? 'no --secrets-file gives' : 'the --secrets-file lacks'}: ` +
      'pass --secrets-file FILE with a JSON object of secret name to value (a string, or an object for a JSON secret)',
  );
}
