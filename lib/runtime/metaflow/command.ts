import { ValidationError } from '../../errors';
import type { FlowGraph, GraphNode } from '../../graph/analyze';
import { PACKAGE_CONFIG_MEMBER, splitS3Url, type MetaflowDeployment } from './deployment';
import { METAFLOW_TMPFS_PATH } from './environment';
import { runsWithoutBatchDecorator } from './sub-minute-timeout';
import { pythonStr, shlexQuote } from './python-format';
import { stepProtocol, type StepProtocolOptions } from './step-protocol';

export interface MetaflowStepCommandOptions extends StepProtocolOptions {
  /**
   * Steps whose `@batch` is written in the flow file. Metaflow passes `--with batch:...` only to the other steps
   * (a static decorator comes from the code package). Passing it to every step is harmless: Metaflow skips a
   * `--with` decorator the step already has. @default none (every step gets `--with batch:...`)
   */
  readonly staticBatchSteps?: readonly string[];
  /**
   * Shell commands run after the code package is unpacked and before Metaflow's commands, e.g. exports that adapt
   * Batch's variables when the compiler goes beyond Metaflow (array jobs). @default none
   */
  readonly setup?: readonly string[];
  /** The task id as the script spells it. @default Metaflow's `$AWS_BATCH_JOB_ID` (a multi-node job's nodes derive theirs) */
  readonly taskId?: string;
  /** Options appended to `step` (e.g. a multi-node node's `--ubf-context`, `--split-index`). @default none */
  readonly stepArgs?: readonly string[];
  /** `--with=step_functions_internal` (its DynamoDB writes break on `num_parallel` steps). @default true */
  readonly stepFunctionsInternal?: boolean;
  /**
   * Metaflow's `@batch` in the task (`--with batch:...` unless the flow file writes it); false for an unbounded-foreach
   * control task (`unbounded-foreach.ts`). @default true
   */
  readonly batchDecorator?: boolean;
  /**
   * Shell commands run first, before Metaflow's own exports (`MF_PATHSPEC`, `MF_ATTEMPT`): exports that change the
   * task's identity, e.g. the carried task id and retry count of a step the state machine retries (`retry-delay.ts`)
   * or the derived task id of an array-job foreach body (`array-foreach.ts`). @default none
   */
  readonly prelude?: readonly string[];
  /**
   * A foreach join writes its input paths to this file and passes `--input-paths-filename`, with
   * `METAFLOW_PARENT_TASK_IDS` kept out of the environment: a wide join's ids exceed Linux's 128 KiB bound on one
   * argument or environment string. @default none (Metaflow's `--input-paths`)
   */
  readonly inputPathsFile?: string;
  /**
   * A join's command that writes `inputPathsFile` itself, in place of a foreach join's DynamoDB read
   * (`set_batch_environment parent_tasks`) or fixed input paths: e.g. the derived parents of an array-job foreach in
   * split order, or a control task's `_control_mapper_tasks`. @default Metaflow's read
   */
  readonly joinInputsCommand?: string;
  /**
   * Commands run in the task after Metaflow's `step` succeeded, inside its log capture; the task fails if one fails,
   * e.g. a switch's write of the step it chose (`switch-step.ts`). @default none
   */
  readonly afterStep?: readonly string[];
  /**
   * A command run after the step's commands failed, before Metaflow's logs are saved (the task still fails), e.g. the
   * foreach check that names the width ceiling when DynamoDB refused the cardinality. @default none
   */
  readonly failureCheck?: string;
}

/** Name of the file the parameters' exports are written to, then sourced (Metaflow uses a random name). */
export const PARAMETERS_ENV_FILE = 'mfcdkparam';

/**
 * Writes the run's parameters (defaults, then the execution's) as `export METAFLOW_INIT_<NAME>=<value>` lines, in
 * place of Metaflow's `set_batch_environment parameters`. Metaflow writes a string as `json.dumps` gives it, which the
 * shell then reads inside double quotes: `$(...)`, backticks and `$VAR` in a value run or expand in the start task (a
 * value may be an S3 object key anyone who can upload chose), `\n` and non-ASCII characters arrive as JSON escapes,
 * and a dict or list default splits at its spaces. Here each value is single-quoted for the shell (`shlex.quote`):
 * strings as they are, anything else as its JSON text, which Metaflow's parameter types parse.
 */
export const PARAMETERS_EXPORT_COMMAND =
  "python -c 'import json, os, shlex, sys; " +
  'p = json.loads(os.environ.get("METAFLOW_DEFAULT_PARAMETERS") or "{}"); ' +
  'p.update(json.loads(os.environ.get("METAFLOW_PARAMETERS") or "{}")); ' +
  'open(sys.argv[1], "w").write("".join("export METAFLOW_INIT_%s=%s\\n" % (k.upper().replace("-", "_"), ' +
  "shlex.quote(v if isinstance(v, str) else json.dumps(v))) for k, v in p.items()))'";
export const PARENT_TASKS_ENV_FILE = 'mfcdkjoins';

/** Attribute order of Metaflow's `@batch` (its `defaults` dict), as `--with batch:...` lists them. */
const BATCH_SPEC_ORDER: ReadonlyArray<[string, (s: GraphNode['step'], d: MetaflowDeployment) => unknown]> = [
  ['cpu', (s) => s.cpu ?? 1],
  ['gpu', (s) => s.gpu ?? 0],
  ['memory', (s) => s.memory ?? 4096],
  ['image', (s, d) => s.image ?? d.batchDefaults.image],
  ['queue', (s, d) => s.queue ?? d.batchDefaults.queue],
  ['iam_role', (s, d) => s.iamRole ?? d.batchDefaults.iamRole],
  ['execution_role', (s, d) => s.executionRole ?? d.batchDefaults.executionRole],
  ['shared_memory', (s) => s.sharedMemory],
  ['max_swap', (s) => s.maxSwap],
  ['swappiness', (s) => s.swappiness],
  ['inferentia', (s) => s.inferentia],
  ['trainium', (s) => s.trainium],
  ['efa', (s) => s.efa],
  ['use_tmpfs', (s) => s.useTmpfs ?? false],
  ['aws_batch_tags', (s) => s.awsBatchTags ?? {}],
  ['tmpfs_tempdir', (s) => s.tmpfsTempdir ?? true],
  ['tmpfs_size', (s) => s.tmpfsSize],
  ['tmpfs_path', (s) => s.tmpfsPath ?? METAFLOW_TMPFS_PATH],
  ['ephemeral_storage', (s) => s.ephemeralStorage],
  ['log_driver', (s) => s.logDriver],
  ['log_options', (s) => s.logOptions],
  ['privileged', (s) => s.privileged ?? false],
];

/** `batch:cpu=1,gpu=0,...`: the `@batch` that `step-functions create` attaches to steps without a static one. */
export function batchDecoratorSpec(step: GraphNode['step'], deployment: MetaflowDeployment): string {
  const parts = BATCH_SPEC_ORDER.map(([name, read]) => [name, read(step, deployment)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${pythonStr(value)}`);
  return `batch:${parts.join(',')}`;
}

/** Metaflow's top-level options of `python flow.py ... step` (`_step_cli`). */
export function topLevelOptions(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, options: MetaflowStepCommandOptions = {}): string[] {
  const node = graph.nodes.get(stepName)!;
  const top: string[] = [];
  const batchDecorator = options.batchDecorator !== false && !options.staticBatchSteps?.includes(stepName) && !runsWithoutBatchDecorator(graph);
  if (batchDecorator) top.push(`--with ${shlexQuote(batchDecoratorSpec(node.step, deployment))}`);
  top.push(...(deployment.flowOptions ?? []));
  // As Metaflow's local runtime passes configs to its task processes: the values packaged at synth (read from the
  // package's CONFIG member, wherever the image installs Metaflow) win over any METAFLOW_FLOW_CONFIG(_VALUE) the flow
  // file sets for itself at import, since the command line outranks the environment.
  if (deployment.configNames !== undefined && deployment.configNames.length > 0) {
    top.push(`--local-config-file ${PACKAGE_CONFIG_MEMBER}`);
    for (const name of deployment.configNames) top.push(`--config-value ${shlexQuote(name)} ${shlexQuote(`kv.${name}`)}`);
  }
  top.push(
    '--quiet',
    // The job's METAFLOW_DEFAULT_METADATA (local, or service with a metadata service) picks the provider, so a run can
    // be pointed at another service by its environment alone (the local engine does).
    '--metadata=$METAFLOW_DEFAULT_METADATA',
    '--environment=local',
    '--datastore=s3',
    `--datastore-root=${deployment.datastoreRoot.replace(/\/+$/, '')}`,
    '--event-logger=nullSidecarLogger',
    '--monitor=nullSidecarMonitor',
    '--no-pylint',
  );
  if (options.stepFunctionsInternal !== false) top.push('--with=step_functions_internal');
  return top;
}

/** The commands Metaflow runs for the step inside the task (parameters init, foreach-join inputs, `step`). */
export function metaflowStepCommands(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, options: MetaflowStepCommandOptions = {}): string[] {
  const runtime = graph.document.runtime;
  if (runtime?.kind !== 'metaflow') {
    throw new ValidationError([{
      where: `flow "${graph.document.name}"`, field: 'runtime.kind', value: runtime?.kind ?? 'generic',
      message: 'is not a Metaflow flow, so it has no Metaflow step command', fix: 'import the flow from its Python file (runtime.kind "metaflow")',
    }]);
  }
  const protocol = stepProtocol(graph, stepName, deployment, options);
  const executable = `python ${runtime.flowFile}`;
  const top = topLevelOptions(graph, stepName, deployment, options).join(' ');
  const tags = (deployment.tags ?? []).map((tag) => `--tag ${tag}`);
  const commands: string[] = [];
  if (stepName === graph.start) {
    const params = 'sfn-${METAFLOW_RUN_ID}/_parameters/${AWS_BATCH_JOB_ID}-params';
    const init = [`${executable} ${top} init --run-id sfn-$METAFLOW_RUN_ID --task-id \${AWS_BATCH_JOB_ID}-params`, ...tags].join(' ');
    commands.push(
      `if ! ${executable} dump --max-value-size=0 ${params} >/dev/null 2>/dev/null; then ` +
        `${PARAMETERS_EXPORT_COMMAND} ${PARAMETERS_ENV_FILE} && . \`pwd\`/${PARAMETERS_ENV_FILE} && ${init}; fi`,
    );
  } else if (options.joinInputsCommand !== undefined) {
    commands.push(options.joinInputsCommand);
  } else if (protocol.isForeachJoin) {
    commands.push(`python -m metaflow.plugins.aws.step_functions.set_batch_environment parent_tasks ${PARENT_TASKS_ENV_FILE} && . \`pwd\`/${PARENT_TASKS_ENV_FILE}`);
    if (options.inputPathsFile !== undefined) commands.push(`export -n METAFLOW_PARENT_TASK_IDS && printf '%s' "${protocol.inputPaths}" > ${options.inputPathsFile}`);
  }
  const step = [
    `${executable} ${top} step ${stepName}`,
    '--run-id sfn-$METAFLOW_RUN_ID',
    `--task-id ${options.taskId === undefined ? '${AWS_BATCH_JOB_ID}' : options.taskId}`,
    '--retry-count $((AWS_BATCH_JOB_ATTEMPT-1))',
    `--max-user-code-retries ${protocol.maxUserCodeRetries}`,
    options.inputPathsFile !== undefined ? `--input-paths-filename ${options.inputPathsFile}` : `--input-paths ${protocol.inputPaths}`,
    ...(protocol.takesSplitIndex ? ['--split-index $METAFLOW_SPLIT_INDEX'] : []),
    ...(options.stepArgs ?? []),
    ...tags,
    ...(deployment.namespace !== undefined ? [`--namespace=${deployment.namespace}`] : []),
  ];
  commands.push(step.join(' '), ...(options.afterStep ?? []));
  return commands;
}

/**
 * Copies the code package from its asset location into Metaflow's content-addressed store, where Metaflow's client
 * loads `Run.code` from (`MetaflowCodePackage.datastoreUrl`), unless a run already put it there. The copy stays in the
 * bucket (no download); a failed copy fails the task, as a failed download does, so a run never records a location
 * that holds nothing.
 */
export function storeCodePackageCommand(url: string, datastoreUrl: string): string {
  const source = splitS3Url(url);
  const target = splitS3Url(datastoreUrl);
  const python =
    'import boto3, os; ep=os.getenv("METAFLOW_S3_ENDPOINT_URL"); sse=os.getenv("METAFLOW_S3_SERVER_SIDE_ENCRYPTION"); ' +
    's3=boto3.client("s3", **({"endpoint_url":ep} if ep else {})); ' +
    `s3.list_objects_v2(Bucket="${target.bucket}", Prefix="${target.key}", MaxKeys=1).get("KeyCount") or ` +
    `s3.copy_object(Bucket="${target.bucket}", Key="${target.key}", CopySource={"Bucket":"${source.bucket}","Key":"${source.key}"}, **({"ServerSideEncryption":sse} if sse else {}))`;
  return `if ! python -c '${python}'; then mflog 'Failed to copy the code package to ${datastoreUrl} (Run.code reads it there). Exiting...' && exit 1; fi`;
}

/**
 * Metaflow's local runtime tells a task killed by SIGSEGV apart in its stderr log ("Task failed with a segmentation
 * fault."); a Batch job has no such launcher, so the script says it (bash's status of a SIGSEGV death is 139).
 */
const SEGFAULT_MESSAGE = 'Task failed with a segmentation fault.';
const SEGFAULT_NOTE =
  `[ $c -ne 139 ] || { T=$(date -u -Ins|tr , .); echo "[MFLOG|0|\${T:0:26}Z|task|$T]${SEGFAULT_MESSAGE}" >> $MFLOG_STDERR; echo '${SEGFAULT_MESSAGE}' >&2; }; `;

/**
 * The container command of a Metaflow step: `["bash", "-c", script]` where the script sets up Metaflow's log capture,
 * fetches and unpacks the code package, and runs the step's Metaflow commands as `step-functions create` does
 * (`metaflow-sfn-protocol.md` §3.1).
 */
export function metaflowStepCommand(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, options: MetaflowStepCommandOptions = {}): string[] {
  const flow = graph.document.name;
  const pkg = deployment.codePackage;
  const { bucket, key } = splitS3Url(pkg.url);
  const archive = pkg.format === 'tgz' ? 'job.tar' : 'job.zip';
  const unpack = pkg.format === 'tgz'
    ? "TAR_OPTIONS='--warning=no-timestamp' tar -xzf job.tar -C ."
    : `python -c 'import zipfile; zipfile.ZipFile("job.zip").extractall(".")'`;
  const setup = [
    ...(options.prelude ?? []),
    'true',
    'mkdir -p $PWD/.logs',
    `export PYTHONUNBUFFERED=x MF_PATHSPEC=${flow}/sfn-$METAFLOW_RUN_ID/${stepName}/${options.taskId ?? '$AWS_BATCH_JOB_ID'} MF_DATASTORE=s3 MF_ATTEMPT=$((AWS_BATCH_JOB_ATTEMPT-1)) MFLOG_STDOUT=$PWD/.logs/mflog_stdout MFLOG_STDERR=$PWD/.logs/mflog_stderr`,
    'mflog(){ T=$(date -u -Ins|tr , .); echo "[MFLOG|0|${T:0:26}Z|task|$T]$1" >> $MFLOG_STDOUT; echo $1;  }',
    'flush_mflogs(){ python -m metaflow.mflog.save_logs; }',
    "mflog 'Setting up task environment.'",
    'if [ -z $METAFLOW_SKIP_INSTALL_DEPENDENCIES ]; then python -m pip install -qqq --no-compile --no-cache-dir --disable-pip-version-check boto3 requests; fi',
    'mkdir metaflow',
    'cd metaflow',
    'mkdir .metaflow',
    `i=0; while [ $i -le 5 ]; do mflog 'Downloading code package...'; python -c 'import boto3, os; ep=os.getenv("METAFLOW_S3_ENDPOINT_URL"); boto3.client("s3", **({"endpoint_url":ep} if ep else {})).download_file("${bucket}", "${key}", "${archive}")' && mflog 'Code package downloaded.' && break; sleep 10; i=$((i+1)); done`,
    `if [ $i -gt 5 ]; then mflog 'Failed to download code package from ${pkg.url} after 6 tries. Exiting...' && exit 1; fi`,
    unpack,
    ...(stepName === graph.start && pkg.datastoreUrl !== undefined ? [storeCodePackageCommand(pkg.url, pkg.datastoreUrl)] : []),
    'export PYTHONPATH=$(pwd)/.mf_code:$(printenv PYTHONPATH)',
    'export METAFLOW_EXTRACTED_ROOT=$(pwd)',
    ...(options.setup ?? []),
    "mflog 'Task is starting.'",
    'flush_mflogs',
  ];
  const commands = metaflowStepCommands(graph, stepName, deployment, options).join(' && ');
  const script =
    `${setup.join(' && ')} && (${commands}) ` +
    '1>> >(python -m metaflow.mflog.tee task $MFLOG_STDOUT) 2>> >(python -m metaflow.mflog.tee task $MFLOG_STDERR >&2); c=$?; ' +
    SEGFAULT_NOTE +
    (options.failureCheck !== undefined ? `[ $c -eq 0 ] || ${options.failureCheck}; ` : '') +
    'python -m metaflow.mflog.save_logs; exit $c';
  return ['bash', '-c', script];
}
