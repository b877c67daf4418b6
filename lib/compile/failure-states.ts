import type { GraphNode } from '../graph/analyze';
import { AslState, AslStates, PAYLOAD, childPath, partitionArn } from './asl';
import { LAMBDA_TRANSIENT_RETRY, retryDelaySeconds } from './retry';
import { stateNames } from './state-names';
import { retryCounterPath } from './task-states';

/**
 * `@retry` in task mode: count the retry in the payload, wait `minutesBetweenRetries`, resubmit with the same task
 * id; after the last retry go to the `@catch` recorder, or fail with the step's own error and cause.
 */
export function retryLoopStates(node: GraphNode, name: string, times: number, catches: boolean): AslStates {
  const counter = retryCounterPath(node.name);
  const delay = retryDelaySeconds(node.step);
  const states: AslStates = {
    [stateNames.retry(name)]: {
      Type: 'Choice',
      Choices: [{ Variable: counter, NumericLessThan: times, Next: delay > 0 ? stateNames.retryWait(name) : stateNames.retryCount(name) }],
      Default: catches ? stateNames.caught(name) : stateNames.failed(name),
    },
    [stateNames.retryCount(name)]: {
      Type: 'Pass',
      Parameters: { 'n.$': `States.MathAdd(${counter}, 1)` },
      ResultPath: childPath(PAYLOAD.retries, node.name),
      Next: name,
    },
  };
  if (delay > 0) states[stateNames.retryWait(name)] = { Type: 'Wait', Seconds: delay, Next: stateNames.retryCount(name) };
  if (!catches) {
    states[stateNames.failed(name)] = {
      Type: 'Fail',
      Comment: `step "${node.name}" failed on its last retry`,
      ErrorPath: `${PAYLOAD.caught}.Error`,
      CausePath: `${PAYLOAD.caught}.Cause`,
    };
  }
  return states;
}

/**
 * `@catch`: the Lambda that stores the failure where later steps read it (Next/End added by the caller). A multi-node
 * step's `nodes` tasks are `<task id>-<node>`, the paths its join reads: the failure is stored under each.
 */
export function catchRecorderState(node: GraphNode, partition: string, functionArn: string, nodes?: number): AslState {
  return {
    Type: 'Task',
    Comment: `@catch: store the failure of step "${node.name}" where later steps read it, then go on`,
    Resource: partitionArn(partition, 'lambda:invoke'),
    Parameters: {
      FunctionName: functionArn,
      Payload: {
        step: node.name,
        ...(node.step.catch?.var ? { var: node.step.catch.var } : {}),
        ...(nodes !== undefined ? { nodes } : {}),
        'runId.$': PAYLOAD.runId,
        'taskId.$': PAYLOAD.path,
        'error.$': `${PAYLOAD.caught}.Error`,
        'cause.$': `${PAYLOAD.caught}.Cause`,
      },
    },
    ResultSelector: { 'key.$': '$.Payload.key' },
    ResultPath: PAYLOAD.caught,
    Retry: [LAMBDA_TRANSIENT_RETRY],
  };
}
