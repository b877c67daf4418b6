import { controlMapperJoinInputsCommand } from '../../../../lib/runtime/metaflow/control-mapper-tasks';

describe("the join's read of a control task's _control_mapper_tasks", () => {
  test("reads Metaflow's S3 datastore of the flow, run and the control task named by the variable", () => {
    const command = controlMapperJoinInputsCommand('ShardFlow', 'work', 's3://bucket/metaflow/', 'inputs', 'CONTROL_ID');
    expect(command).toMatch(/^python -c '[^']*'$/);
    expect(command).toContain('FlowDataStore("ShardFlow", storage_impl=S3Storage, ds_root="s3://bucket/metaflow")');
    expect(command).toContain('get_task_datastore(run, "work", e["CONTROL_ID"])["_control_mapper_tasks"]');
    expect(command).toContain('open("inputs", "w").write("%s/work/:" % run + ",".join(m.split("/")[-1] for m in mappers))');
  });
});
