import * as https from 'node:https';

/**
 * Custom resource of `MetaflowMetadataService`: runs the schema migration as a one-shot Fargate task and answers
 * CloudFormation only when the task has stopped, SUCCESS on exit code 0 and FAILED otherwise, so a failed migration
 * fails (and rolls back) the deploy and the service, which depends on this resource, never serves a half-migrated
 * schema. No provider framework: one invocation waits (a migration takes seconds; Lambda allows 15 minutes).
 */

export interface MigrationProperties {
  readonly Cluster: string;
  readonly TaskDefinition: string;
  readonly ContainerName: string;
  readonly Subnets: readonly string[];
  readonly SecurityGroups: readonly string[];
  /** Log group of the task, named in a failure so the operator knows where to look. */
  readonly LogGroup?: string;
}

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: MigrationProperties & { readonly ServiceToken?: string };
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** The two ECS calls the migration needs, so tests can stand in for ECS. */
export interface MigrationEcs {
  runTask(input: Record<string, unknown>): Promise<{ tasks?: { taskArn?: string }[]; failures?: { arn?: string; reason?: string; detail?: string }[] }>;
  describeTasks(input: { cluster: string; tasks: string[] }): Promise<{
    tasks?: { lastStatus?: string; stoppedReason?: string; stopCode?: string; containers?: { name?: string; exitCode?: number; reason?: string }[] }[];
  }>;
}

export interface MigrationClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Epoch ms by which CloudFormation must have its answer. */
  readonly deadline: number;
  readonly pollMs: number;
}

const PHYSICAL_ID = 'metaflow-metadata-migration';

/** Runs the migration task and waits for its exit code; never throws (every outcome is an answer). */
export async function migrate(event: CustomResourceEvent, ecs: MigrationEcs, clock: MigrationClock): Promise<CustomResourceResponse> {
  const base = { PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_ID, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  // Deleting the resource leaves the schema as it is: the database outlives the stack.
  if (event.RequestType === 'Delete') return { ...base, Status: 'SUCCESS' };
  const p = event.ResourceProperties;
  const failed = (reason: string): CustomResourceResponse => ({ ...base, Status: 'FAILED', Reason: `Metaflow metadata schema migration failed: ${reason}${p.LogGroup ? ` (task logs: ${p.LogGroup})` : ''}` });
  try {
    const started = await ecs.runTask({
      cluster: p.Cluster,
      taskDefinition: p.TaskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'metaflow-cdk-migration',
      networkConfiguration: { awsvpcConfiguration: { subnets: [...p.Subnets], securityGroups: [...p.SecurityGroups], assignPublicIp: 'DISABLED' } },
    });
    const taskArn = started.tasks?.[0]?.taskArn;
    if (!taskArn) {
      const why = (started.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
      return failed(`ECS did not start the task: ${why || 'no task and no failure returned'}`);
    }
    while (clock.now() + clock.pollMs < clock.deadline) {
      await clock.sleep(clock.pollMs);
      const described = await ecs.describeTasks({ cluster: p.Cluster, tasks: [taskArn] });
      const task = described.tasks?.[0];
      if (task?.lastStatus !== 'STOPPED') continue;
      const container = task.containers?.find((c) => c.name === p.ContainerName);
      if (container?.exitCode === 0) return { ...base, Status: 'SUCCESS', Data: { TaskArn: taskArn } };
      const exit = container?.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`;
      return failed(`task ${taskArn} stopped with ${exit}: ${container?.reason ?? task.stoppedReason ?? task.stopCode ?? 'no reason given'}`);
    }
    return failed(`task ${taskArn} was still running when the deploy could wait no longer; it keeps running, check it before deploying again`);
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
}

/** PUTs the answer to CloudFormation's pre-signed URL. */
export function respond(url: string, response: CustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The Lambda runtime's own SDK v3 (not bundled). */
function sdkEcs(): MigrationEcs {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-ecs' as string) as {
    ECSClient: new (config: object) => { send(command: unknown): Promise<never> };
    RunTaskCommand: new (input: unknown) => unknown;
    DescribeTasksCommand: new (input: unknown) => unknown;
  };
  const client = new sdk.ECSClient({});
  return {
    runTask: (input) => client.send(new sdk.RunTaskCommand(input)),
    describeTasks: (input) => client.send(new sdk.DescribeTasksCommand(input)),
  };
}

export async function handler(event: CustomResourceEvent, context: { getRemainingTimeInMillis(): number }): Promise<void> {
  const clock: MigrationClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    // Leave a minute to answer; an unanswered custom resource would hold the stack for an hour.
    deadline: Date.now() + context.getRemainingTimeInMillis() - 60_000,
    pollMs: 10_000,
  };
  const response = await migrate(event, event.RequestType === 'Delete' ? (undefined as never) : sdkEcs(), clock);
  console.log(JSON.stringify({ requestType: event.RequestType, status: response.Status, reason: response.Reason, data: response.Data }));
  await respond(event.ResponseURL, response);
}
