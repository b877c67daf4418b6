import { STEP_ENV } from './env';

const E = STEP_ENV;

/**
 * POSIX shell run before a generic step's own command. It derives the variables the state machine cannot know:
 * the split index and task id of array-job children and multi-node parallel nodes (from the variables Batch sets),
 * the retry count where Batch does the retrying, and the task root. It then `exec`s the step's command.
 * Needs `/bin/sh` in the image (distroless images lack it: give them a shell or a wrapper of their own).
 */
export const ENTRY_SCRIPT = [
  `if [ -n "\${AWS_BATCH_JOB_NODE_INDEX:-}" ]; then`,
  `  ${E.splitIndex}=$AWS_BATCH_JOB_NODE_INDEX; ${E.nodeIndex}=$AWS_BATCH_JOB_NODE_INDEX; ${E.numNodes}=\${AWS_BATCH_JOB_NUM_NODES:-1}`,
  `  ${E.mainIp}=\${AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS:-$(hostname -i 2>/dev/null | cut -d' ' -f1)}`,
  `  export ${E.nodeIndex} ${E.numNodes} ${E.mainIp}`,
  `elif [ -n "\${AWS_BATCH_JOB_ARRAY_INDEX:-}" ]; then`,
  `  ${E.splitIndex}=$((AWS_BATCH_JOB_ARRAY_INDEX + \${${E.arrayOffset}:-0}))`,
  `fi`,
  `if [ -n "\${${E.arrayParent}:-}" ]; then ${E.taskId}="$${E.arrayParent}-$${E.splitIndex}"; fi`,
  `if [ -n "\${${E.arrayInputStep}:-}" ]; then ${E.inputPaths}="$${E.arrayInputStep}/$${E.taskId}"; fi`,
  `${E.retryCount}=\${${E.retryCount}:-$((\${AWS_BATCH_JOB_ATTEMPT:-1} - 1))}`,
  `${E.taskRoot}="$${E.datastoreRoot}/$${E.flowName}/$${E.runId}/$${E.stepName}/$${E.taskId}"`,
  `export ${E.splitIndex} ${E.taskId} ${E.inputPaths} ${E.retryCount} ${E.taskRoot}`,
  `exec "$@"`,
].join('\n');

/** Name `$0` takes inside the entry script (shows in `ps`). */
export const ENTRY_SCRIPT_NAME = 'metaflow-cdk-step';

/** The job definition command of a generic step: the entry script, then the step's own command as `$@`. */
export function genericStepCommand(command: readonly string[]): string[] {
  return ['/bin/sh', '-c', ENTRY_SCRIPT, ENTRY_SCRIPT_NAME, ...command];
}
