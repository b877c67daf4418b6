import type { LocalBatch } from '../batch/runner';
import type { SubmitJobRequest } from '../batch/job-spec';
import type { LocalAws } from '../services/aws';
import type { LocalLambda } from '../services/lambda';
import type { Json } from '../template/tokens';
import { JOB_KEYS } from '../../runtime/naming';
import { LOCAL_DISTRIBUTED_MAP_RESOURCE } from './prepare';

export type TaskHandler = (input: Json) => Promise<Json>;

export interface TaskServices {
  readonly batch: LocalBatch;
  readonly lambda: LocalLambda;
  readonly aws: LocalAws;
  /** Runs the Distributed Map that replaced the state `stateName`. */
  readonly distributedMap: (stateName: string, input: Json) => Promise<Json>;
  /** Jobs submitted without `.sync` keep running after their state; the engine waits for them before it stops. */
  readonly background: Set<Promise<unknown>>;
}

/** The step a Batch job belongs to, for progress: Metaflow's step-name parameter, else the state name. */
function stepOf(stateName: string, request: SubmitJobRequest): string {
  return request.Parameters?.[JOB_KEYS.stepName] ?? request.Parameters?.step_name ?? stateName;
}

/** Returns the local handler of a Task resource, or undefined when the engine cannot run it. */
export function taskHandlerFor(stateName: string, resource: string, services: TaskServices): TaskHandler | undefined {
  if (resource === LOCAL_DISTRIBUTED_MAP_RESOURCE) return (input) => services.distributedMap(stateName, input);
  const integration = /^arn:[\w-]+:states:::([\w-]+):([\w.:-]+)$/.exec(resource);
  if (integration) {
    const [, service, action] = integration;
    if (service === 'batch' && action === 'submitJob.sync') {
      return async (input) => {
        const request = input as unknown as SubmitJobRequest;
        return (await services.batch.submitJobSync(stepOf(stateName, request), request)) as unknown as Json;
      };
    }
    if (service === 'batch' && action === 'submitJob') {
      return async (input) => {
        const request = input as unknown as SubmitJobRequest;
        const running = services.batch.submitJobSync(stepOf(stateName, request), request).catch(() => undefined);
        services.background.add(running);
        void running.finally(() => services.background.delete(running));
        return { JobName: request.JobName, JobId: 'pending', JobArn: 'pending' };
      };
    }
    if (service === 'lambda' && (action === 'invoke' || action === 'invoke.waitForTaskToken')) {
      return async (input) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload?: Json };
        return (await services.lambda.invoke(FunctionName, Payload ?? {})) as unknown as Json;
      };
    }
    if (service === 'dynamodb') {
      return async (input) => (await services.aws.call('dynamodb', action, input, 'DynamoDB')) as Json;
    }
    if (service === 'aws-sdk') {
      const [sdkService, sdkAction] = action.split(':');
      if (sdkService === 's3' || sdkService === 'dynamodb') {
        const prefix = sdkService === 's3' ? 'S3' : 'DynamoDb';
        return async (input) => (await services.aws.call(sdkService, sdkAction, input, prefix)) as Json;
      }
    }
    if (service === 's3' && (action === 'getObject' || action === 'putObject')) {
      return async (input) => (await services.aws.call('s3', action, input, 'S3')) as Json;
    }
    return undefined;
  }
  const lambdaArn = /^arn:[\w-]+:lambda:[\w-]+:\d+:function:(.+)$/.exec(resource);
  if (lambdaArn) return async (input) => (await services.lambda.call(lambdaArn[1], input)) as Json;
  return undefined;
}
