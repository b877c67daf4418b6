import type { Problem } from '../errors';
import type { BatchSettings, CatchSettings, RetrySettings, SecretAccess, StepSettings } from '../graph/model';
import { readDecoratorArgs, whereOf, type DecoratorSpec, type Site } from './decorator-args';
import type { RawDecorator } from './reader-output';
import { readSecretSources } from './secret-sources';

/** Metaflow's defaults where an omitted argument still has an effect (`metaflow/plugins/*_decorator.py`). */
export const METAFLOW_RETRY_DEFAULT_TIMES = 3;
export const METAFLOW_RETRY_DEFAULT_MINUTES_BETWEEN = 2;

const BATCH: DecoratorSpec = {
  args: {
    cpu: 'number', gpu: 'integer', memory: 'integer', image: 'string', queue: 'string', iam_role: 'string',
    execution_role: 'string', shared_memory: 'integer', max_swap: 'integer', swappiness: 'integer',
    inferentia: 'integer', trainium: 'integer', efa: 'integer', use_tmpfs: 'boolean', tmpfs_tempdir: 'boolean',
    tmpfs_size: 'integer', tmpfs_path: 'string', ephemeral_storage: 'integer', log_driver: 'string',
    log_options: 'stringOrStringList', aws_batch_tags: 'stringMap', privileged: 'boolean',
  },
  unsupported: {
    host_volumes: 'host volumes are not supported by metaflow-cdk (jobs run on managed compute environments)',
    efs_volumes: 'EFS volumes are not supported by metaflow-cdk yet',
    executable: 'a custom Python executable is not supported: the step runs `python <flow file>` in the image',
  },
};

const RESOURCES: DecoratorSpec = {
  args: { cpu: 'number', gpu: 'integer', memory: 'integer', shared_memory: 'integer' },
  // Metaflow ignores @resources(disk=...) on AWS Batch too.
  ignored: ['disk'],
};

const RETRY: DecoratorSpec = { args: { times: 'integer', minutes_between_retries: 'number' } };
const TIMEOUT: DecoratorSpec = { args: { seconds: 'number', minutes: 'number', hours: 'number' } };
const CATCH: DecoratorSpec = { args: { var: 'string', print_exception: 'boolean' } };
const ENVIRONMENT: DecoratorSpec = { args: { vars: 'environmentMap' } };
const SECRETS: DecoratorSpec = {
  args: { sources: 'literal', role: 'literal' },
  // Metaflow's own @secrets runs inside the task from the code package, so this keeps working there.
  ignored: ['allow_override'],
};
const NO_ARGS: DecoratorSpec = { args: {} };

/**
 * Metaflow's own implementation of its unbounded-foreach protocol, for its test suite: the foreach body's control task
 * runs the mapper tasks itself (`lib/runtime/metaflow/unbounded-foreach.ts`).
 */
export const UNBOUNDED_TEST_FOREACH_DECORATOR = 'unbounded_test_foreach_internal';

/** Step decorators Metaflow allows more than once on a step (`allow_multiple`). */
const REPEATABLE_STEP_DECORATORS: ReadonlySet<string> = new Set(['card']);

/** Decorators that run inside the task from the code package and need nothing from the stack. */
const PASS_THROUGH = new Set(['card']);

const REFUSED: Record<string, string> = {
  kubernetes: 'this flow runs on AWS Batch; @kubernetes has no meaning there',
  conda: 'Conda environments are not bootstrapped in the job; bake the packages into the image and set @batch(image=...)',
  pypi: 'PyPI environments are not bootstrapped in the job; bake the packages into the image and set @batch(image=...)',
  slurm: '@slurm is not supported on AWS Batch',
  trigger_on_finish: 'flow-to-flow triggers are not supported',
  exit_hook: 'exit hooks are not supported',
};

/** Batch fields that `@resources` and `@batch` both set; Metaflow takes the larger of the two. */
const MERGED = ['cpu', 'gpu', 'memory', 'shared_memory'] as const;

export interface StepDecorations {
  readonly settings: StepSettings;
  readonly parallel: boolean;
  /** `@secrets` sources read through a role or in another region, by secret id. */
  readonly secretAccess: Readonly<Record<string, SecretAccess>>;
}

/**
 * Metaflow's own step and flow decorators: read here or in flow-decorators.ts, or refused with a reason; never an
 * extension's.
 */
export const METAFLOW_DECORATORS: ReadonlySet<string> = new Set([
  'step', 'batch', 'resources', 'retry', 'timeout', 'catch', 'environment', 'secrets', 'parallel', 'card',
  'schedule', 'project', 'trigger', 'trigger_on_finish', 'exit_hook', 'conda', 'conda_base', 'pypi', 'pypi_base',
  'kubernetes', 'slurm', UNBOUNDED_TEST_FOREACH_DECORATOR,
]);

/**
 * Maps a step's decorators (except `@step`) onto step settings, collecting every problem. `extensions` are decorators
 * of Metaflow extensions the user declared: left to Metaflow in the task.
 */
export function readStepDecorators(decorators: readonly RawDecorator[], site: Site, problems: Problem[], extensions: ReadonlySet<string> = new Set()): StepDecorations {
  let batch: Record<string, unknown> | undefined;
  let resources: Record<string, unknown> | undefined;
  let retry: RetrySettings | undefined;
  let timeoutSeconds: number | undefined;
  let catchSettings: CatchSettings | undefined;
  let environment: Record<string, string> | undefined;
  let secrets: string[] | undefined;
  const secretAccess: Record<string, SecretAccess> = {};
  let parallel = false;

  const seen = new Set<string>();
  for (const deco of decorators) {
    const where = whereOf(site, deco.line);
    if (deco.belowStep) {
      problems.push({ where, field: `@${deco.name}`, value: 'below @step', message: `@${deco.name} is below @step, where Metaflow refuses it (BadStepDecoratorException)`, fix: `move @${deco.name} above @step` });
      continue;
    }
    if (seen.has(deco.name) && !REPEATABLE_STEP_DECORATORS.has(deco.name)) {
      problems.push({ where, field: `@${deco.name}`, value: 'twice', message: `@${deco.name} is on the step twice, which Metaflow refuses (DuplicateStepDecoratorException)`, fix: `keep one @${deco.name}, with the arguments of both` });
      continue;
    }
    seen.add(deco.name);
    switch (deco.name) {
      case 'batch':
        batch = readDecoratorArgs(deco, BATCH, site, problems);
        break;
      case 'resources':
        resources = readDecoratorArgs(deco, RESOURCES, site, problems);
        break;
      case 'retry': {
        const args = readDecoratorArgs(deco, RETRY, site, problems);
        retry = {
          times: (args.times as number | undefined) ?? METAFLOW_RETRY_DEFAULT_TIMES,
          minutesBetweenRetries: (args.minutes_between_retries as number | undefined) ?? METAFLOW_RETRY_DEFAULT_MINUTES_BETWEEN,
        };
        break;
      }
      case 'timeout': {
        const before = problems.length;
        const args = readDecoratorArgs(deco, TIMEOUT, site, problems);
        // Metaflow's timeout_decorator takes int() of each part: hours=0.5 is no duration, minutes=1.5 is 60 s.
        const total = Math.trunc(num(args.seconds)) + 60 * Math.trunc(num(args.minutes)) + 3600 * Math.trunc(num(args.hours));
        if (problems.length > before) break;
        // Under Batch's minimum, the task times itself without Metaflow's @batch (sub-minute-timeout.ts).
        if (total <= 0) {
          problems.push({ where, field: '@timeout', value: total, message: '@timeout needs a duration (Metaflow refuses it too)', fix: 'give seconds=, minutes= or hours=, e.g. @timeout(minutes=30)' });
        } else timeoutSeconds = total;
        break;
      }
      case 'catch': {
        const args = readDecoratorArgs(deco, CATCH, site, problems);
        catchSettings = { ...(args.var !== undefined ? { var: args.var as string } : {}), printException: (args.print_exception as boolean | undefined) ?? true };
        break;
      }
      case 'environment': {
        const args = readDecoratorArgs(deco, ENVIRONMENT, site, problems);
        environment = { ...(args.vars as Record<string, string> | undefined) };
        break;
      }
      case 'secrets': {
        const args = readDecoratorArgs(deco, SECRETS, site, problems);
        const sources = readSecretSources(args.sources, where, problems, args.role);
        secrets = sources.map((s) => s.id);
        for (const { id, ...access } of sources) if (Object.keys(access).length > 0) secretAccess[id] = access;
        break;
      }
      case 'parallel':
        readDecoratorArgs(deco, NO_ARGS, site, problems);
        parallel = true;
        break;
      case UNBOUNDED_TEST_FOREACH_DECORATOR:
        // Its steps are listed in the flow's runtime (`unboundedForeachSteps`, python.ts).
        readDecoratorArgs(deco, NO_ARGS, site, problems);
        break;
      default:
        if (PASS_THROUGH.has(deco.name) || extensions.has(deco.name)) break;
        problems.push({
          where,
          field: `@${deco.name}`,
          value: deco.name,
          message: REFUSED[deco.name] ?? `@${deco.name} is not a step decorator metaflow-cdk can deploy`,
          fix: `remove @${deco.name} (supported: @batch, @resources, @retry, @timeout, @catch, @secrets, @environment, @parallel, @card)${REFUSED[deco.name] ? '' : `, or, if it comes from a Metaflow extension installed in the image, list it in metaflow: { extensionDecorators: ['${deco.name}'] } (CLI: --extension-decorator ${deco.name})`}, or declare the flow with the typed builder`,
        });
    }
  }

  const settings: StepSettings = {
    ...batchSettings(batch, resources),
    ...(retry ? { retry } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(catchSettings ? { catch: catchSettings } : {}),
    ...(secrets && secrets.length > 0 ? { secrets } : {}),
    ...(environment && Object.keys(environment).length > 0 ? { environment } : {}),
  };
  return { settings, parallel, secretAccess };
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/**
 * What `@resources` asks for when it leaves an argument out (`resources_decorator.py`). Beside a written `@batch` they
 * count like written values: `@resources(cpu=4) @batch(memory=2048)` gets 4096 MiB, as under Metaflow. Alone they
 * equal the step defaults.
 */
const RESOURCES_DEFAULTS: Readonly<Record<string, number>> = { cpu: 1, memory: 4096 };

/** `@batch` and `@resources` together, the way Metaflow's `compute_resource_attributes` merges them. */
function batchSettings(batch: Record<string, unknown> | undefined, writtenResources: Record<string, unknown> | undefined): BatchSettings {
  const resources = writtenResources && batch ? { ...RESOURCES_DEFAULTS, ...writtenResources } : writtenResources;
  const merged: Record<string, unknown> = { ...batch };
  // Metaflow mounts a tmpfs for use_tmpfs or a tmpfs_size alone (batch_client.py), and ignores the other tmpfs
  // arguments without one. Its @batch defaults tmpfs_tempdir to True: a tmpfs also becomes METAFLOW_TEMPDIR.
  const tmpfs = batch !== undefined && (batch.use_tmpfs === true || (typeof batch.tmpfs_size === 'number' && batch.tmpfs_size > 0));
  if (tmpfs) {
    merged.use_tmpfs = true;
    if (batch.tmpfs_tempdir === undefined) merged.tmpfs_tempdir = true;
  } else {
    for (const ignored of ['tmpfs_size', 'tmpfs_path', 'tmpfs_tempdir']) delete merged[ignored];
  }
  for (const key of MERGED) {
    const fromBatch = batch?.[key] as number | undefined;
    const fromResources = resources?.[key] as number | undefined;
    if (fromBatch !== undefined && fromResources !== undefined) merged[key] = Math.max(fromBatch, fromResources);
    else if (fromResources !== undefined) merged[key] = fromResources;
  }
  const out: Record<string, unknown> = {};
  for (const [pyName, value] of Object.entries(merged)) {
    if (value === undefined) continue;
    out[FIELD_OF[pyName] ?? pyName] = value;
  }
  return out as BatchSettings;
}

/** Metaflow argument name -> flow document field. */
export const FIELD_OF: Readonly<Record<string, keyof BatchSettings>> = {
  cpu: 'cpu', gpu: 'gpu', memory: 'memory', image: 'image', queue: 'queue', iam_role: 'iamRole',
  execution_role: 'executionRole', shared_memory: 'sharedMemory', max_swap: 'maxSwap', swappiness: 'swappiness',
  inferentia: 'inferentia', trainium: 'trainium', efa: 'efa', use_tmpfs: 'useTmpfs', tmpfs_tempdir: 'tmpfsTempdir',
  tmpfs_size: 'tmpfsSize', tmpfs_path: 'tmpfsPath', ephemeral_storage: 'ephemeralStorage', log_driver: 'logDriver',
  log_options: 'logOptions', aws_batch_tags: 'awsBatchTags', privileged: 'privileged',
};
