import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationError } from '../errors';
import type { MetaflowIncludedFile } from '../graph/model';
import type { ResolvedFlowClass } from './flow-class';
import { isLiteral, type RawDecorator, type RawParameter, type RawValue } from './reader-output';

/**
 * Evaluating a flow file with the real Metaflow at synth, as `step-functions create` does when it imports the flow:
 * `Config` values, deploy-time parameter functions and decorator arguments that read configs (`config_expr`).
 */
export interface DeployTimeEvaluation {
  /** A Python interpreter that can `import metaflow` (the deployer's Metaflow, e.g. a virtualenv's `bin/python`). */
  readonly python: string;
  /** Variables added to the evaluation's environment (e.g. `PYTHONPATH`, `METAFLOW_USER`). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** `--config NAME PATH`: a config's value read from a file (relative to the flow's folder). @default none */
  readonly configFiles?: Readonly<Record<string, string>>;
  /** `--config-value NAME JSON`: a config's value given here. @default none */
  readonly configValues?: Readonly<Record<string, unknown>>;
}

/** A decorator as Metaflow holds it after configs are applied: its attributes with a JSON form, and the others. */
export interface EvaluatedDecorator {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Attributes without a JSON form, as Python's `repr`. */
  readonly unrepresentable: Readonly<Record<string, string>>;
}

/** What `metaflow_deploy_time.py` writes. */
export interface DeployTimeValues {
  readonly flowName: string;
  readonly parameters: readonly { readonly attribute: string; readonly name: string; readonly default?: unknown; readonly defaultIsFloat?: boolean; readonly unrepresentableDefault?: string }[];
  readonly configs: readonly { readonly attribute: string; readonly name: string }[];
  /** Metaflow's `user_configs`: config name -> [value, is_plain]. Null when a value has no JSON form. */
  readonly configValues: Readonly<Record<string, readonly [unknown, boolean]>> | null;
  readonly unrepresentableConfigValues: string | null;
  /** `IncludeFile`s, with the file their default names (absent without a default). */
  readonly includeFiles: readonly { readonly attribute: string; readonly name: string; readonly file?: IncludedFile }[];
  readonly steps: Readonly<Record<string, readonly EvaluatedDecorator[]>>;
  readonly flowDecorators: readonly EvaluatedDecorator[];
}

export type IncludedFile = MetaflowIncludedFile;

const EVALUATOR = 'metaflow_deploy_time.py';
/** Importing Metaflow and a flow takes seconds; a file that needs minutes is stuck (or waiting for input). */
const EVALUATION_TIMEOUT_MS = 300_000;
const INSTALL_FIX = 'point deployTimeEvaluation.python (CLI: --evaluate-with) at an interpreter where `python -c "import metaflow"` works (e.g. the virtualenv you deploy from), or set PYTHONPATH in deployTimeEvaluation.environment';

/** Runs the flow file through Metaflow's own command line (once) and returns what Metaflow evaluated. */
export function evaluateAtDeployTime(file: string, flowClass: string | undefined, evaluation: DeployTimeEvaluation): DeployTimeValues {
  const where = `${file} (deployTimeEvaluation)`;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-deploy-time-'));
  try {
    const outFile = path.join(out, 'values.json');
    const args = [evaluatorPath(), path.resolve(file), flowClass ?? '-', outFile];
    for (const [name, configPath] of Object.entries(evaluation.configFiles ?? {})) args.push('--config', name, configPath);
    for (const [name, value] of Object.entries(evaluation.configValues ?? {})) args.push('--config-value', name, JSON.stringify(value));
    const result = spawnSync(evaluation.python, args, {
      cwd: path.dirname(path.resolve(file)), encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024, timeout: EVALUATION_TIMEOUT_MS,
      env: withDeployer({ ...process.env, ...S3_DATASTORE, ...evaluation.environment }),
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      throw new ValidationError([{ where, field: 'evaluation', value: path.basename(file), message: `Metaflow's evaluation did not finish within ${EVALUATION_TIMEOUT_MS / 1000} s`, fix: 'find what the flow file does at import or in its config parsers and parameter functions that takes this long (`python flow.py show` in its folder runs the same code)' }]);
    }
    if (result.error) {
      throw new ValidationError([{ where, field: 'python', value: evaluation.python, message: `cannot run the interpreter: ${result.error.message}`, fix: INSTALL_FIX }]);
    }
    if (result.status === 3) {
      throw new ValidationError([{ where, field: 'python', value: evaluation.python, message: (result.stderr || '').trim(), fix: INSTALL_FIX }]);
    }
    if (result.status !== 0 || !fs.existsSync(outFile)) {
      throw new ValidationError([{
        where, field: 'evaluation', value: path.basename(file),
        message: `Metaflow could not evaluate the flow: ${lastLines(`${result.stderr ?? ''}\n${result.stdout ?? ''}`)}`,
        fix: `run \`${evaluation.python} ${path.basename(file)} show\` in the flow's folder with the same configs: it fails the same way; fix the flow or its configs`,
      }]);
    }
    return JSON.parse(fs.readFileSync(outFile, 'utf-8')) as DeployTimeValues;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The flow class with every non-literal the evaluation has a value for replaced by that value: decorator arguments
 * (by decorator name and position among decorators of that name) and parameter defaults. `Config` attributes are
 * dropped from the parameters (their values travel in the code package). What stays non-literal is refused later
 * with the reader's own message.
 */
export function applyDeployTimeValues(resolved: ResolvedFlowClass, values: DeployTimeValues): ResolvedFlowClass {
  const defaults = new Map(values.parameters.filter((p) => 'default' in p).map((p): [string, RawValue] => [p.attribute, { value: p.default, ...(p.defaultIsFloat === true ? { float: true as const } : {}) }]));
  const configAttributes = new Set(values.configs.map((c) => c.attribute));
  return {
    ...resolved,
    decorators: withEvaluated(resolved.decorators, values.flowDecorators),
    steps: resolved.steps.map((step) => ({ ...step, decorators: withEvaluated(step.decorators, values.steps[step.name] ?? []) })),
    parameters: resolved.parameters
      .filter((parameter) => !(parameter.kind === 'Config' && configAttributes.has(parameter.attribute)))
      .map((parameter) => withDefault(parameter, defaults)),
  };
}

function withEvaluated(raws: readonly RawDecorator[], evaluated: readonly EvaluatedDecorator[]): RawDecorator[] {
  const seen = new Map<string, number>();
  return raws.map((raw) => {
    const index = seen.get(raw.name) ?? 0;
    seen.set(raw.name, index + 1);
    // The file lists decorators top first; Metaflow holds them in the order they apply, bottom first.
    const match = evaluated.filter((d) => d.name === raw.name).reverse()[index];
    if (!match) return raw;
    const kwargs: Record<string, RawValue> = {};
    for (const [key, value] of Object.entries(raw.kwargs)) {
      kwargs[key] = !isLiteral(value) && key in match.attributes ? { value: match.attributes[key] } : value;
    }
    return { ...raw, kwargs };
  });
}

function withDefault(parameter: RawParameter, defaults: ReadonlyMap<string, RawValue>): RawParameter {
  const raw = parameter.kwargs.default;
  const evaluated = defaults.get(parameter.attribute);
  if (parameter.kind !== 'Parameter' || raw === undefined || 'typeName' in raw || isLiteral(raw) || evaluated === undefined) return parameter;
  return { ...parameter, kwargs: { ...parameter.kwargs, default: evaluated } };
}

/**
 * The datastore a deployed flow runs with, as `step-functions create` requires it: Metaflow's `@batch` refuses any
 * other in its `step_init`, which the evaluation runs. Nothing is read from or written to it; the deployer's own
 * settings (`deployTimeEvaluation.environment`) win.
 */
const S3_DATASTORE = { METAFLOW_DEFAULT_DATASTORE: 's3', METAFLOW_DATASTORE_SYSROOT_S3: 's3://metaflow-cdk-deploy-time-evaluation/metaflow' };

/**
 * Metaflow refuses to start without a user name other than root (`get_username`), which CI runners and containers
 * often lack: the evaluation then runs as the login name, or as `metaflow-cdk` for root or a uid without a name.
 */
const USER_VARIABLES = ['METAFLOW_USER', 'SUDO_USER', 'USERNAME', 'USER'];

function withDeployer(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const usable = (name: string | undefined): name is string => name !== undefined && name !== '' && name !== 'root';
  if (USER_VARIABLES.some((variable) => usable(env[variable]))) return env;
  let login: string | undefined;
  try {
    login = os.userInfo().username;
  } catch {
    // a uid without a passwd entry (containers)
  }
  return { ...env, METAFLOW_USER: usable(login) ? login : 'metaflow-cdk' };
}

function lastLines(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.slice(-4).join(' / ') || 'no output';
}

/** The evaluator sits next to this module in the source tree; a compiled copy under dist/ finds it in lib/. */
function evaluatorPath(): string {
  const candidates = [path.join(__dirname, EVALUATOR), path.resolve(__dirname, '..', '..', '..', 'lib', 'importer', EVALUATOR)];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0];
}
