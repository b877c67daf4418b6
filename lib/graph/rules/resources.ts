import { Problem } from '../../errors';
import { StepSettings } from '../model';
import { FieldRef, PYTHON_IDENTIFIER, compact, integerIn, tagProblems } from './checks';

export const LOG_DRIVERS: readonly string[] = ['awslogs', 'fluentd', 'gelf', 'json-file', 'journald', 'logentries', 'syslog', 'splunk', 'awsfirelens'];
/** Metaflow's `@retry` limit: `times + 2 <= MAX_ATTEMPTS (6)`. */
export const MAX_RETRIES = 4;
/** AWS Batch's minimum attempt timeout. */
export const MIN_TIMEOUT_SECONDS = 60;
/** A Metaflow step's `@timeout` is enforced in its task, so it may be shorter than Batch's minimum. */
export const MIN_METAFLOW_TIMEOUT_SECONDS = 1;
/** A Step Functions standard workflow runs at most one year. */
export const MAX_RUN_SECONDS = 365 * 24 * 3600;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const QUEUE = /^[A-Za-z0-9_-]{1,128}$|^arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/[A-Za-z0-9_-]{1,128}$/;
const SECRET = /^[A-Za-z0-9/_+=.@-]{1,512}$|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A container image reference as Docker parses it: an optional registry host (with a dot or a port, or `localhost`),
 * lowercase repository path components, an optional tag and an optional digest.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|localhost)(?::\d+)?\/|[A-Za-z0-9-]+:\d+\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

/**
 * An image name Docker would refuse to pull. Unresolved CDK tokens (an asset image's URI) are judged by CloudFormation
 * at deploy, not here.
 */
export function imageProblem(ref: FieldRef, image: string | undefined): Problem | undefined {
  if (image === undefined || (typeof image === 'string' && (image.includes('${Token[') || IMAGE_REFERENCE.test(image)))) return undefined;
  return {
    ...ref,
    value: image,
    message: 'not an image name: a lowercase repository with an optional registry, :tag and @digest, no spaces',
    fix: 'e.g. "python:3.12", "public.ecr.aws/docker/library/python:3.12" or an ECR image URI',
  };
}

/** A Step Functions Wait state's `Seconds` is at most 99,999,999; the state machine waits the retry delay in one. */
export const MAX_RETRY_WAIT_MINUTES = Math.floor(99_999_999 / 60);

/**
 * Range and format rules of each setting that a step or the flow `defaults` may carry. `minTimeoutSeconds` is Batch's
 * minimum for a generic step, which Batch times; a Metaflow task times its own `@timeout`.
 */
export function settingsProblems(settings: StepSettings, where: string, minTimeoutSeconds = MIN_TIMEOUT_SECONDS): Problem[] {
  const ref = (field: string): FieldRef => ({ where, field });
  const problems = compact([
    cpuProblem(ref('cpu'), settings.cpu),
    integerIn(ref('memory'), settings.memory, 4, Number.MAX_SAFE_INTEGER, 'MiB'),
    integerIn(ref('gpu'), settings.gpu, 0, Number.MAX_SAFE_INTEGER),
    integerIn(ref('sharedMemory'), settings.sharedMemory, 1, Number.MAX_SAFE_INTEGER, 'MiB'),
    integerIn(ref('maxSwap'), settings.maxSwap, 0, Number.MAX_SAFE_INTEGER, 'MiB'),
    integerIn(ref('swappiness'), settings.swappiness, 0, 100),
    integerIn(ref('inferentia'), settings.inferentia, 0, Number.MAX_SAFE_INTEGER),
    integerIn(ref('trainium'), settings.trainium, 0, Number.MAX_SAFE_INTEGER),
    integerIn(ref('efa'), settings.efa, 0, Number.MAX_SAFE_INTEGER),
    integerIn(ref('tmpfsSize'), settings.tmpfsSize, 1, Number.MAX_SAFE_INTEGER, 'MiB'),
    integerIn(ref('ephemeralStorage'), settings.ephemeralStorage, 21, 200, 'GiB'),
    integerIn(ref('retry.times'), settings.retry?.times, 0, MAX_RETRIES),
    settings.retry?.minutesBetweenRetries === undefined || (settings.retry.minutesBetweenRetries >= 0 && settings.retry.minutesBetweenRetries <= MAX_RETRY_WAIT_MINUTES)
      ? undefined
      : { ...ref('retry.minutesBetweenRetries'), value: settings.retry.minutesBetweenRetries, message: `must be from 0 to ${MAX_RETRY_WAIT_MINUTES} minutes (a Step Functions Wait state waits at most 99,999,999 seconds)`, fix: 'set 0 or more minutes, e.g. 2' },
    integerIn(ref('timeoutSeconds'), settings.timeoutSeconds, minTimeoutSeconds, MAX_RUN_SECONDS, 'seconds'),
    imageProblem(ref('image'), settings.image),
    pattern(ref('queue'), settings.queue, QUEUE, 'a job queue is a name of up to 128 letters, digits, "-" and "_", or a job queue ARN', 'use the queue name or its ARN'),
    pattern(ref('iamRole'), settings.iamRole, ROLE_ARN, 'not an IAM role ARN', 'use arn:aws:iam::<account>:role/<name>'),
    pattern(ref('executionRole'), settings.executionRole, ROLE_ARN, 'not an IAM role ARN', 'use arn:aws:iam::<account>:role/<name>'),
    pattern(ref('tmpfsPath'), settings.tmpfsPath, /^\/\S*$/, 'a tmpfs path is an absolute path', 'e.g. "/metaflow_temp"'),
    pattern(ref('catch.var'), settings.catch?.var, PYTHON_IDENTIFIER, 'the catch variable becomes an artifact name and must be an identifier', 'use letters, digits and "_", not starting with a digit'),
    settings.logDriver === undefined || LOG_DRIVERS.includes(settings.logDriver)
      ? undefined
      : { ...ref('logDriver'), value: settings.logDriver, message: 'AWS Batch does not know this log driver', fix: `use one of ${LOG_DRIVERS.join(', ')}` },
  ]);
  if ((settings.inferentia ?? 0) > 0 && (settings.trainium ?? 0) > 0) {
    problems.push({ where, field: 'trainium', value: settings.trainium, message: 'inferentia and trainium are set together (trainium is an alias of inferentia in Metaflow)', fix: 'keep one of inferentia and trainium' });
  }
  if ((settings.gpu ?? 0) > 0 && ((settings.inferentia ?? 0) > 0 || (settings.trainium ?? 0) > 0)) {
    problems.push({ where, field: 'gpu', value: settings.gpu, message: 'no instance type has both GPUs and Neuron (Inferentia/Trainium) chips', fix: 'keep either gpu or inferentia/trainium' });
  }
  if (settings.useTmpfs !== true) {
    for (const field of ['tmpfsSize', 'tmpfsPath', 'tmpfsTempdir'] as const) {
      if (settings[field] === undefined || settings[field] === false) continue;
      problems.push({ where, field, value: settings[field], message: `${field} has no effect without useTmpfs`, fix: `set useTmpfs: true, or remove ${field}` });
    }
  }
  for (const [i, option] of (settings.logOptions ?? []).entries()) {
    if (!/^[^:\s]+:.*$/.test(option)) {
      problems.push({ where, field: `logOptions[${i}]`, value: option, message: 'a log option has the form "key:value"', fix: 'e.g. "awslogs-group:/my/group"' });
    }
  }
  problems.push(...tagProblems(where, 'awsBatchTags', settings.awsBatchTags));
  for (const [i, secret] of (settings.secrets ?? []).entries()) {
    if (!SECRET.test(secret)) {
      problems.push({ where, field: `secrets[${i}]`, value: secret, message: 'not a Secrets Manager secret name or ARN', fix: 'use the secret name (letters, digits and /_+=.@-) or its ARN' });
    }
  }
  for (const name of Object.keys(settings.environment ?? {})) {
    if (!ENV_NAME.test(name)) {
      problems.push({ where, field: `environment.${name}`, value: name, message: 'not a valid environment variable name', fix: 'use letters, digits and "_", not starting with a digit' });
    } else if (name.startsWith('AWS_BATCH')) {
      problems.push({ where, field: `environment.${name}`, value: name, message: 'AWS Batch reserves variables starting with AWS_BATCH', fix: 'choose another name' });
    }
  }
  if (settings.command !== undefined && settings.command.length === 0) {
    problems.push({ where, field: 'command', value: settings.command, message: 'the command is empty', fix: 'give the program and its arguments, e.g. ["python", "step.py"], or remove command to use the image default' });
  } else if (settings.command !== undefined && settings.command[0].trim() === '') {
    problems.push({ where, field: 'command[0]', value: settings.command[0], message: 'the program to run is blank, so every attempt would fail', fix: 'start the command with the program, e.g. ["python", "step.py"]' });
  }
  return problems;
}

/**
 * Memory a step's own mounts take from its container: a tmpfs and `/dev/shm` live in the job's memory, so either
 * larger than the step's memory (or both together) can never be filled. `step` is the effective step (defaults merged).
 */
export function memoryFitProblems(step: StepSettings, where: string): Problem[] {
  const memory = step.memory;
  if (memory === undefined) return [];
  const tmpfs = step.useTmpfs ? step.tmpfsSize ?? Math.floor(memory / 2) : undefined;
  const shm = step.sharedMemory;
  const problems: Problem[] = [];
  if (shm !== undefined && shm > memory) {
    problems.push({ where, field: 'sharedMemory', value: shm, message: `shared memory (${shm} MiB) is larger than the step's memory (${memory} MiB); /dev/shm is part of the job's memory`, fix: `lower sharedMemory below ${memory} MiB or raise memory above ${shm} MiB` });
  }
  if (tmpfs !== undefined && step.tmpfsSize !== undefined && tmpfs > memory) {
    problems.push({ where, field: 'tmpfsSize', value: tmpfs, message: `the tmpfs (${tmpfs} MiB) is larger than the step's memory (${memory} MiB); a tmpfs is held in the job's memory`, fix: `lower tmpfsSize below ${memory} MiB or raise memory above ${tmpfs} MiB` });
  }
  if (shm !== undefined && tmpfs !== undefined && shm <= memory && tmpfs <= memory && shm + tmpfs > memory) {
    problems.push({ where, field: 'sharedMemory', value: shm, message: `shared memory (${shm} MiB) and the tmpfs (${tmpfs} MiB) together exceed the step's memory (${memory} MiB)`, fix: `make sharedMemory + tmpfsSize at most ${memory} MiB, or raise memory to ${shm + tmpfs} MiB` });
  }
  return problems;
}

function cpuProblem(ref: FieldRef, cpu: number | undefined): Problem | undefined {
  if (cpu === undefined || (cpu > 0 && (Number.isInteger(cpu) || cpu === 0.25 || cpu === 0.5))) return undefined;
  return { ...ref, value: cpu, message: 'vCPUs are a whole number of 1 or more, or 0.25 or 0.5 on Fargate', fix: `set cpu to ${Math.max(1, Math.ceil(cpu))}` };
}

function pattern(ref: FieldRef, value: string | undefined, re: RegExp, message: string, fix: string): Problem | undefined {
  if (value === undefined || re.test(value)) return undefined;
  return { ...ref, value, message, fix };
}
