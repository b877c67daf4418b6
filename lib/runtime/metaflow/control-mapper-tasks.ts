/**
 * A join after a control task (an unbounded foreach's body, a `@parallel` step with `@catch`) gets as parents the
 * mapper tasks the control task lists in `_control_mapper_tasks`, as Metaflow's runtime reads them
 * (`runtime.py` `_queue_task_join`). A command in the join task reads that artifact from Metaflow's datastore.
 */

/**
 * The join's command in place of fixed input paths: reads `_control_mapper_tasks` of the control task whose id is in
 * the variable `controlTaskIdEnv` from Metaflow's S3 datastore, and writes `--input-paths`
 * (`sfn-<run>/<step>/:<id>,<id>,...`) to `file`.
 */
export function controlMapperJoinInputsCommand(flow: string, controlStep: string, datastoreRoot: string, file: string, controlTaskIdEnv: string): string {
  const code = [
    'import os',
    'from metaflow.datastore import FlowDataStore',
    'from metaflow.plugins.datastores.s3_storage import S3Storage',
    'e = os.environ',
    'run = "sfn-" + e["METAFLOW_RUN_ID"]',
    `fds = FlowDataStore("${flow}", storage_impl=S3Storage, ds_root="${datastoreRoot.replace(/\/+$/, '')}")`,
    `mappers = fds.get_task_datastore(run, "${controlStep}", e["${controlTaskIdEnv}"])["_control_mapper_tasks"]`,
    `open("${file}", "w").write("%s/${controlStep}/:" % run + ",".join(m.split("/")[-1] for m in mappers))`,
  ];
  return `python -c '${code.join('; ')}'`;
}
