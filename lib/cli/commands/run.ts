import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { metaflowStandin, STANDIN_FOREACH_WIDTHS_ENV, STANDIN_SWITCH_CASES_ENV, type LocalCommandHook } from '../../local/batch/command-hook';
import { resolvedJobTexts, runLocalFlow, FlowNotFoundError, type LocalRunResult } from '../../local/run/engine';
import { LocalRunRefused, metaflowFactsOf } from '../../local/run/metaflow-host-check';
import type { LocalSecretValues } from '../../local/services/secrets-manager';
import { ProgressPrinter } from '../../local/run/progress';
import { formatRunOutput, formatRunReport } from '../../local/run/report';
import { RunStats } from '../../local/run/step-stats';
import { abortOnStop } from '../../local/run/stop-signals';
import { LocalAssembly } from '../../local/template/assembly';
import { findFlow, listFlows } from '../../local/template/flows';
import { withSynthesizedApp } from '../../local/template/synth';
import { closestField } from '../../graph/document/parse';
import { suppressSdkNodeVersionWarning } from '../aws/warnings';
import { metaflowParameterValues } from '../../runtime/metaflow/parameter-values';
import { EXECUTION_INPUT } from '../../runtime/naming';
import { CliError, UsageError } from '../cli-error';
import { asCliError, metadataServiceFor } from '../local-metadata-options';
import { repeatable } from '../output/options';
import { note, out } from '../output/print';
import { checkParameters, parseParamArgs, runInputProblem } from '../parameters';
import { currentUser } from '../user';

interface RunOptions {
  readonly local?: boolean;
  readonly param?: string[];
  readonly maxWorkers?: string;
  readonly app?: string;
  readonly cdkOut?: string;
  readonly runRoot?: string;
  readonly progress?: boolean;
  readonly metaflowStandin?: boolean;
  readonly foreachWidth?: string[];
  readonly switchCase?: string[];
  readonly metadataService?: boolean;
  readonly metadataServiceSrc?: string;
  readonly keepMetadata?: boolean;
  readonly python?: string;
  readonly taskEnv?: string[];
  readonly secretsFile?: string;
}

/** `work` with the `--cdk-out` assembly, or else one synthesized from `--app` (removed once `work` ends). */
async function withAssembly<T>(options: RunOptions, work: (assembly: LocalAssembly, directory: string) => Promise<T>): Promise<T> {
  if (options.cdkOut) {
    const dir = path.resolve(options.cdkOut);
    if (!fs.existsSync(dir)) throw new CliError(`--cdk-out ${dir} does not exist; run \`metaflow-cdk synth\` first or pass --app <dir>.`);
    if (!fs.statSync(dir).isDirectory()) throw new CliError(`--cdk-out ${dir} is a file; pass the folder \`metaflow-cdk synth\` wrote (cdk.out by default).`);
    return work(LocalAssembly.fromDirectory(dir), dir);
  }
  const appDir = path.resolve(options.app ?? process.cwd());
  note(`synthesizing the CDK app in ${appDir} ...`);
  return withSynthesizedApp(appDir, (directory) => work(LocalAssembly.fromDirectory(directory), directory));
}

/**
 * `--metaflow-standin`: every Metaflow step runs the protocol-faithful stand-in (no Metaflow on this machine) with the
 * flow file from the staged code package; tasks are recorded under the run directory, which exists only once the run
 * has started.
 */
function standinFor(
  assemblyDirectory: string,
  foreachWidths: Readonly<Record<string, number>>,
  switchCases: Readonly<Record<string, string>>,
): { hook: LocalCommandHook; recordIn: (runDir: string) => string } {
  let standin: LocalCommandHook | undefined;
  const env = {
    ...(Object.keys(foreachWidths).length > 0 ? { [STANDIN_FOREACH_WIDTHS_ENV]: JSON.stringify(foreachWidths) } : {}),
    ...(Object.keys(switchCases).length > 0 ? { [STANDIN_SWITCH_CASES_ENV]: JSON.stringify(switchCases) } : {}),
  };
  return {
    hook: (task) => standin?.(task),
    recordIn: (runDir) => {
      const datastoreDir = path.join(runDir, 'metaflow-standin');
      standin = metaflowStandin({ assemblyDirectory, datastoreDir, env });
      return datastoreDir;
    },
  };
}

/** `--foreach-width STEP=N`: the width the stand-in gives a foreach whose list is not a literal in the flow file. */
export function parseForeachWidths(args: readonly string[], standin: boolean): Record<string, number> {
  if (args.length > 0 && !standin) throw new UsageError('--foreach-width only applies with --metaflow-standin (Metaflow itself computes foreach widths)');
  const widths: Record<string, number> = {};
  for (const arg of args) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(arg);
    if (!match) throw new UsageError(`--foreach-width expects STEP=N (a foreach step and a whole number of splits), got ${JSON.stringify(arg)}`);
    widths[match[1]] = Number(match[2]);
  }
  return widths;
}

/** `--switch-case STEP=VALUE`: the case the stand-in takes at a switch whose condition is not a literal in the flow file. */
export function parseSwitchCases(args: readonly string[], standin: boolean): Record<string, string> {
  if (args.length > 0 && !standin) throw new UsageError('--switch-case only applies with --metaflow-standin (Metaflow itself evaluates switch conditions)');
  const cases: Record<string, string> = {};
  for (const arg of args) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(arg);
    if (!match) throw new UsageError(`--switch-case expects STEP=VALUE (a switch step and the value of its condition), got ${JSON.stringify(arg)}`);
    cases[match[1]] = match[2];
  }
  return cases;
}

/** `--task-env NAME=VALUE` (repeatable): variables added to every task. */
export function parseTaskEnv(args: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const arg of args) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg);
    if (!match) throw new UsageError(`--task-env expects NAME=VALUE (a variable name, '=', its value), got ${JSON.stringify(arg)}`);
    env[match[1]] = match[2];
  }
  return env;
}

/** `--python PATH`: an existing interpreter file. */
export function checkPythonOption(python: string | undefined): string | undefined {
  if (python === undefined) return undefined;
  const resolved = path.resolve(python);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) {
    throw new UsageError(`--python ${python} does not exist: pass the path of a Python interpreter with Metaflow and boto3 (e.g. --python /usr/bin/python3)`);
  }
  return resolved;
}

/** `--secrets-file FILE`: a JSON object of secret name (or ARN) to value. */
export function readSecretsFile(file: string | undefined): LocalSecretValues | undefined {
  if (file === undefined) return undefined;
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new CliError(`--secrets-file ${file} does not exist: write a JSON object of secret name to value there`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(resolved, 'utf8'));
  } catch (error) {
    throw new CliError(`--secrets-file ${file} is not JSON (${(error as Error).message}): write a JSON object of secret name to value, e.g. {"db-creds": {"user": "me"}}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`--secrets-file ${file} holds ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}, not an object: write a JSON object of secret name to value`);
  }
  return parsed as LocalSecretValues;
}

/** Runs the flow locally; resolves with the exit code (0 only when the run succeeded). */
export async function runLocal(flowName: string, options: RunOptions): Promise<number> {
  const inputs = checkedInputs(options);
  suppressSdkNodeVersionWarning();
  return withAssembly(options, (assembly, directory) => runFlow(flowName, options, inputs, assembly, directory));
}

/** The options, checked before anything is synthesized or started. */
function checkedInputs(options: RunOptions) {
  if (!options.local) {
    throw new UsageError('`run` runs a flow on this machine and needs --local; to start a run on AWS use `metaflow-cdk trigger FLOW`.');
  }
  const maxWorkers = options.maxWorkers === undefined ? undefined : Number(options.maxWorkers);
  if (maxWorkers !== undefined && !(Number.isInteger(maxWorkers) && maxWorkers >= 1)) {
    throw new UsageError(`--max-workers must be a whole number of at least 1, got ${JSON.stringify(options.maxWorkers)}`);
  }
  if (options.runRoot !== undefined) checkRunRoot(path.resolve(options.runRoot));
  return {
    maxWorkers,
    given: parseParamArgs(options.param ?? []),
    foreachWidths: parseForeachWidths(options.foreachWidth ?? [], options.metaflowStandin === true),
    switchCases: parseSwitchCases(options.switchCase ?? [], options.metaflowStandin === true),
    taskEnv: parseTaskEnv(options.taskEnv ?? []),
    python: checkPythonOption(options.python),
    secrets: readSecretsFile(options.secretsFile),
    metadataService: metadataServiceFor(options),
  };
}

/** `--foreach-width STEP=N` and `--switch-case STEP=VALUE` name steps of the flow: a typo is refused before the run. */
function checkStandinStepNames(flowName: string, steps: readonly string[], byOption: Readonly<Record<string, Readonly<Record<string, unknown>>>>): void {
  const unknown = Object.entries(byOption).flatMap(([option, values]) =>
    Object.keys(values).filter((step) => !steps.includes(step)).map((step) => {
      const near = closestField(step, steps);
      return `${option} ${step}=...: flow ${flowName} has no step ${step}${near ? ` (did you mean ${near}?)` : ''}`;
    }));
  if (unknown.length) throw new UsageError(`${unknown.join('; ')}. Its steps: ${steps.join(', ')}.`);
}

/**
 * `--run-root` is checked before the run starts (and left uncreated, as a refused run leaves nothing behind): a file in
 * its way, or a nearest existing folder without write access, would otherwise stop the run midway.
 */
function checkRunRoot(runRoot: string): void {
  let existing = runRoot;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  let why: string | undefined;
  if (!fs.statSync(existing).isDirectory()) why = `${existing} is a file`;
  else {
    try {
      fs.accessSync(existing, fs.constants.W_OK);
    } catch {
      why = `${existing} is not writable`;
    }
  }
  if (why) throw new UsageError(`--run-root ${runRoot} cannot hold run folders (${why}); pass a folder you can write to.`);
}

async function runFlow(flowName: string, options: RunOptions, inputs: ReturnType<typeof checkedInputs>, assembly: LocalAssembly, directory: string): Promise<number> {
  const { maxWorkers, given, foreachWidths, switchCases, taskEnv, python, secrets, metadataService } = inputs;
  const flow = findFlow(assembly, flowName);
  if (!flow) {
    const available = listFlows(assembly);
    throw new CliError(new FlowNotFoundError(flowName, available).message);
  }
  if (flow.manifest) checkStandinStepNames(flowName, flow.manifest.steps.map((step) => step.name), { '--foreach-width': foreachWidths, '--switch-case': switchCases });
  let parameters = flow.manifest ? checkParameters(flowName, flow.manifest.parameters, given) : Object.fromEntries(given);
  if (flow.manifest && metaflowFactsOf(flow, resolvedJobTexts(assembly, flow.definition))) parameters = metaflowParameterValues(flow.manifest.parameters, parameters);
  const unrunnable = runInputProblem(JSON.stringify({ [EXECUTION_INPUT.parameters]: parameters, [EXECUTION_INPUT.user]: currentUser() }), parameters);
  if (unrunnable !== undefined) throw new CliError(unrunnable);

  const standin = options.metaflowStandin ? standinFor(directory, foreachWidths, switchCases) : undefined;
  const stats = new RunStats();
  const progress = options.progress === false ? undefined : new ProgressPrinter(stats);
  const controller = new AbortController();
  const removeStopListeners = abortOnStop(controller, (why) => note(`\nstopping the run (${why}): ending every task process and the local servers ...`));
  let result: LocalRunResult;
  try {
    result = await runLocalFlow({
      assembly,
      flow: flowName,
      parameters,
      user: currentUser(),
      cwd: options.app ? path.resolve(options.app) : process.cwd(),
      runRoot: options.runRoot,
      maxWorkers,
      signal: controller.signal,
      stats,
      commandFor: standin?.hook,
      assemblyDirectory: directory,
      taskHost: { python, taskEnv },
      secrets,
      onWarning: (message) => note(`warning: ${message}`),
      metadataService,
      onStart: (run) => {
        note(`run ${run.runId} of ${flowName}: logs in ${path.join(run.runDir, 'logs')}`);
        if (run.metadataServiceUrl) note(`Metaflow's metadata service for this run: ${run.metadataServiceUrl}${options.keepMetadata ? ` (kept: \`metaflow-cdk local-metadata serve ${run.runDir}\`)` : ''}`);
        if (standin) note(`Metaflow steps run the protocol stand-in (no user code); its task records: ${standin.recordIn(run.runDir)}`);
        progress?.start();
      },
    });
  } catch (error) {
    if (error instanceof LocalRunRefused) throw new CliError(error.message);
    throw asCliError(error);
  } finally {
    progress?.stop();
    removeStopListeners();
  }
  out(formatRunReport(result));
  const output = formatRunOutput(result);
  if (output) out(`\n${output}`);
  if (result.status === 'ABORTED') return 130;
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('run')
    .summary('run a flow on this machine (--local)')
    .description(
      'Run a flow locally exactly as compiled for AWS: the same state machine definition interpreted on this machine, ' +
        'Batch jobs as local processes, the coordination Lambdas in-process, S3 and DynamoDB on local servers.',
    )
    .argument('<flow>', 'flow name (as in `metaflow-cdk flows`)')
    .option('--local', 'run on this machine (required)')
    .option('-p, --param <name=value>', 'flow parameter (repeatable)', repeatable)
    .option('--max-workers <n>', 'most task processes at once (default 16)')
    .option('--app <dir>', 'directory of the CDK app to synthesize (default: the current directory)')
    .option('--cdk-out <dir>', 'use an already synthesized cloud assembly instead of synthesizing')
    .option('--run-root <dir>', 'where run directories (logs) and the local S3 data go (default: <app>/.local-runs)')
    .option('--no-progress', 'do not print live progress')
    .option('--metaflow-standin', 'run the steps of Python Metaflow flows through the protocol stand-in instead of Metaflow (no user code runs)')
    .option('--python <path>', 'the interpreter `python` means inside tasks (default: `python` on PATH, else `python3`); Metaflow flows need Metaflow and boto3 there')
    .option('--task-env <name=value>', 'a variable added to every task, e.g. PYTHONPATH=<folder holding metaflow/> (repeatable)', repeatable)
    .option('--secrets-file <file>', "JSON object of secret name (or ARN) to value: what @secrets reads, and what a step's secrets get")
    .option('--foreach-width <step=n>', 'with --metaflow-standin: splits of a foreach whose list is not a literal in the flow file (repeatable)', repeatable)
    .option('--switch-case <step=value>', 'with --metaflow-standin: the case a switch takes when the flow file does not set its condition to a literal (repeatable)', repeatable)
    .option('--metadata-service', "run Metaflow's metadata service (on a throwaway PostgreSQL) for the run and point every task at it")
    .option('--metadata-service-src <dir>', 'with --metadata-service: the metaflow-service source tree (default: $MFCDK_METADATA_SERVICE_SRC)')
    .option('--keep-metadata', 'with --metadata-service: keep its database in the run directory, to browse later with `local-metadata serve`')
    .action(async (flow: string, options: RunOptions) => {
      process.exitCode = await runLocal(flow, options);
    });
}
