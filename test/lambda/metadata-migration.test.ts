import { type CustomResourceEvent, type MigrationClock, type MigrationEcs, migrate } from '../../lambda/metadata-migration';

const event = (type: CustomResourceEvent['RequestType']): CustomResourceEvent => ({
  RequestType: type,
  ResponseURL: 'https://cfn.example/response',
  StackId: 'stack',
  RequestId: 'req',
  LogicalResourceId: 'Migration',
  ResourceProperties: { Cluster: 'arn:cluster', TaskDefinition: 'arn:taskdef:3', ContainerName: 'Migrate', Subnets: ['subnet-a'], SecurityGroups: ['sg-1'], LogGroup: 'md-logs' },
});

/** A clock that advances by the sleep, so waiting costs no real time. */
function clock(budgetMs: number): MigrationClock {
  let t = 0;
  return { now: () => t, sleep: async (ms) => { t += ms; }, deadline: budgetMs, pollMs: 10_000 };
}

/** ECS that reports RUNNING `runningPolls` times, then STOPPED with the given container. */
function fakeEcs(container: { exitCode?: number; reason?: string } | undefined, runningPolls = 2): MigrationEcs & { runs: Record<string, unknown>[] } {
  let polls = 0;
  const runs: Record<string, unknown>[] = [];
  return {
    runs,
    runTask: async (input) => { runs.push(input); return { tasks: [{ taskArn: 'arn:task/1' }] }; },
    describeTasks: async () => {
      polls += 1;
      if (polls <= runningPolls) return { tasks: [{ lastStatus: 'RUNNING' }] };
      return { tasks: [{ lastStatus: 'STOPPED', stoppedReason: 'Essential container in task exited', containers: container ? [{ name: 'Migrate', ...container }] : [] }] };
    },
  };
}

describe('metadata migration custom resource', () => {
  it('succeeds once the task exits 0, having run it privately in the given subnets', async () => {
    const ecs = fakeEcs({ exitCode: 0 });
    const response = await migrate(event('Create'), ecs, clock(600_000));
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'metaflow-metadata-migration', Data: { TaskArn: 'arn:task/1' } });
    expect(ecs.runs[0]).toMatchObject({ cluster: 'arn:cluster', taskDefinition: 'arn:taskdef:3', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } } });
  });

  it('fails the deploy with the exit code and where the logs are when the migration fails', async () => {
    const response = await migrate(event('Update'), fakeEcs({ exitCode: 1 }), clock(600_000));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('stopped with exit code 1');
    expect(response.Reason).toContain('md-logs');
  });

  it('fails when the container never ran (image pull, secret access)', async () => {
    const ecs = fakeEcs(undefined, 0);
    const response = await migrate(event('Create'), ecs, clock(600_000));
    expect(response).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('no exit code: Essential container in task exited') });
  });

  it('fails when ECS refuses to start the task', async () => {
    const ecs: MigrationEcs = { runTask: async () => ({ failures: [{ reason: 'RESOURCE:ENI', detail: 'no capacity' }] }), describeTasks: async () => ({}) };
    expect((await migrate(event('Create'), ecs, clock(600_000))).Reason).toContain('RESOURCE:ENI (no capacity)');
  });

  it('answers before the deadline instead of leaving the stack waiting', async () => {
    const response = await migrate(event('Create'), fakeEcs({ exitCode: 0 }, 1000), clock(60_000));
    expect(response).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('still running') });
  });

  it('answers an API error as a failure rather than throwing', async () => {
    const ecs: MigrationEcs = { runTask: async () => { throw new Error('AccessDenied: ecs:RunTask'); }, describeTasks: async () => ({}) };
    expect(await migrate(event('Create'), ecs, clock(600_000))).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('AccessDenied') });
  });

  it('deleting leaves the schema alone and touches no ECS', async () => {
    const ecs: MigrationEcs = { runTask: async () => { throw new Error('must not run'); }, describeTasks: async () => { throw new Error('must not run'); } };
    expect(await migrate({ ...event('Delete'), PhysicalResourceId: 'metaflow-metadata-migration' }, ecs, clock(600_000))).toMatchObject({ Status: 'SUCCESS' });
  });
});
