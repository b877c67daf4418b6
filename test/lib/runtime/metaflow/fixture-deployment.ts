import * as fs from 'fs';
import * as path from 'path';
import { analyzeFlow, type FlowGraph } from '../../../../lib/graph';
import { importPythonFlow } from '../../../../lib/importer/python';
import type { MetaflowDeployment } from '../../../../lib/runtime/metaflow/deployment';
import { PARAMETERS_EXPORT_COMMAND } from '../../../../lib/runtime/metaflow/command';
import { METAFLOW_FIXTURES } from '../../../support/fixtures';

export const FIXTURES = METAFLOW_FIXTURES;
export const FIXTURE_FLOWS = fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'sfn.json')));

type Env = Array<{ Name: string; Value?: string; 'Value.$'?: string }>;
export interface BatchState {
  name: string;
  Parameters: {
    JobDefinition: string;
    JobName: string;
    JobQueue: string;
    Parameters: Record<string, string>;
    ContainerOverrides: { Command: string[]; Environment: Env; ResourceRequirements: Array<{ Type: string; Value: string }> };
    RetryStrategy: { Attempts: number };
    Timeout: { AttemptDurationSeconds: number };
  };
}

/** Every Batch task state of a compiled state machine, nested Map and Parallel states included. */
export function batchStates(definition: { States: Record<string, Record<string, unknown>> }): BatchState[] {
  const out: BatchState[] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && String(state.Resource).includes(':batch:')) out.push({ name, ...(state as object) } as BatchState);
      const iterator = (state.Iterator ?? state.ItemProcessor) as { States: Record<string, Record<string, unknown>> } | undefined;
      if (iterator) walk(iterator.States);
      for (const branch of (state.Branches as Array<{ States: Record<string, Record<string, unknown>> }> | undefined) ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return out;
}

export interface Recorded {
  dir: string;
  graph: FlowGraph;
  states: BatchState[];
  deployment: MetaflowDeployment;
  /** Steps with a static `@batch` in the flow file (from Metaflow's own graph.json). */
  staticBatchSteps: string[];
}

/**
 * The imported flow and the deployment settings Metaflow ran with when it compiled the fixture, read back from the
 * recorded start state (region, datastore root, S3 endpoint, owner, token, code package, defaults of `--with batch`).
 */
export function recorded(dir: string): Recorded {
  const definition = JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8'));
  const states = batchStates(definition);
  const start = states.find((s) => s.name === definition.StartAt)!;
  const env = Object.fromEntries(start.Parameters.ContainerOverrides.Environment.map((e) => [e.Name, e.Value ?? e['Value.$']]));
  const withBatch = /--with 'batch:([^']*)'/.exec(states.map((s) => s.Parameters.ContainerOverrides.Command[2]).join('\n'))?.[1] ?? '';
  const spec = Object.fromEntries(withBatch.split(',').map((kv) => kv.split('=')));
  const version = JSON.parse(env.METAFLOW_VERSION!);
  delete version.flow_name;
  delete version.production_token;
  const dynamo = states.flatMap((s) => s.Parameters.ContainerOverrides.Environment).find((e) => e.Name === 'METAFLOW_SFN_DYNAMO_DB_TABLE')?.Value;
  const doc = importPythonFlow(path.join(FIXTURES, dir, 'flow.py'));
  // Metaflow recorded the flow under the name <dir>.py.
  const graph = analyzeFlow({ ...doc, runtime: { kind: 'metaflow', flowFile: `${dir}.py`, flowClass: doc.name } });
  const metaflowGraph = JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'graph.json'), 'utf-8'));
  return {
    dir,
    graph,
    states,
    staticBatchSteps: Object.entries(metaflowGraph.nodes as Record<string, { decorators: string[] }>).filter(([, n]) => n.decorators.includes('batch')).map(([name]) => name),
    deployment: {
      region: env.AWS_DEFAULT_REGION!,
      datastoreRoot: env.METAFLOW_DATASTORE_SYSROOT_S3!,
      s3EndpointUrl: env.METAFLOW_S3_ENDPOINT_URL,
      metadata: env.METAFLOW_DEFAULT_METADATA as 'local',
      owner: env.METAFLOW_OWNER!,
      productionToken: env.METAFLOW_PRODUCTION_TOKEN!,
      stateMachineName: env.SFN_STATE_MACHINE!,
      environmentInfo: version,
      metaflowVersion: start.Parameters.Parameters['metaflow.version'],
      dynamoDbTable: dynamo,
      codePackage: { url: env.METAFLOW_CODE_URL!, sha: env.METAFLOW_CODE_SHA!, format: 'tgz', metadata: env.METAFLOW_CODE_METADATA },
      batchDefaults: { image: spec.image, queue: spec.queue, iamRole: spec.iam_role },
    },
  };
}

const METAFLOW_PARAMETERS_EXPORT = 'python -m metaflow.plugins.aws.step_functions.set_batch_environment parameters';

/**
 * Metaflow names the files `set_batch_environment` writes with 10 random letters; ours are fixed. Our parameters
 * export (`PARAMETERS_EXPORT_COMMAND`, tested on its own for what it writes) is put back as Metaflow's, in a script or
 * its JSON text.
 */
export function normaliseEnvFiles(script: string): string {
  const ourExport = [PARAMETERS_EXPORT_COMMAND, JSON.stringify(PARAMETERS_EXPORT_COMMAND).slice(1, -1)];
  return withoutSegfaultNote(ourExport.reduce((text, ours) => text.split(ours).join(METAFLOW_PARAMETERS_EXPORT), script))
    .replace(/set_batch_environment (parameters|parent_tasks) (\w+) && \. `pwd`\/\2/g, 'set_batch_environment $1 ENVFILE && . `pwd`/ENVFILE')
    .replace(/--metadata=(local|service)\b/g, METADATA_FROM_ENV);
}

/**
 * Our additions to Metaflow's scripts: the join of an inline-Map foreach reads its parents in split order
 * (`orderedJoinInputsCommand`) where Metaflow reads the DynamoDB set, a failed foreach task checks for the width
 * ceiling (`foreachTooWideCheckCommand`), and a task killed by SIGSEGV says so in its stderr log. Puts Metaflow's
 * script back, in a script or its JSON text.
 */
export function normaliseOurAdditions(script: string): string {
  return withoutSegfaultNote(script).replace(/\[ \$c -eq 0 \] \|\| python -c '[^']*'; /g, '').replace(
    /python -c 'import json, os; from metaflow\.metaflow_config [^']*?sfn-%s\/(\w+)\/:[^']*' && (.*?)--input-paths-filename mfcdkinputs/gs,
    (_, last: string, rest: string) => `python -m metaflow.plugins.aws.step_functions.set_batch_environment parent_tasks ENVFILE && . \`pwd\`/ENVFILE && ${rest}--input-paths sfn-\${METAFLOW_RUN_ID}/${last}/:\${METAFLOW_PARENT_TASK_IDS}`,
  );
}

/**
 * Metaflow writes the provider into the command (`--metadata=local`); ours reads the job's METAFLOW_DEFAULT_METADATA,
 * which the environment sets to the same value (compared with Metaflow's environment on its own).
 */
export const METADATA_FROM_ENV = '--metadata=$METAFLOW_DEFAULT_METADATA';

/** The segmentation-fault note every script of ours adds after the step (`SEGFAULT_NOTE` in command.ts). */
function withoutSegfaultNote(script: string): string {
  return script.replace(/\[ \$c -ne 139 \] \|\| \{ .*?Task failed with a segmentation fault\.'? >&2; \}; /g, '');
}
