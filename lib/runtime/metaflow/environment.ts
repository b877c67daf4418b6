import { ValidationError } from '../../errors';
import type { FlowGraph } from '../../graph/analyze';
import { DEFAULT_METAFLOW_VERSION, METAFLOW_TGZ_CODE_METADATA, type MetaflowDeployment } from './deployment';
import { pythonJsonDumps } from './python-format';
import { needsDynamoDbTable, stepProtocol, type StepProtocolOptions } from './step-protocol';

/** One `ContainerOverrides.Environment` entry in ASL form: a literal, or a JSONPath Step Functions resolves. */
export type MetaflowEnvEntry = { readonly Name: string; readonly Value: string } | { readonly Name: string; readonly 'Value.$': string };

/** As Metaflow's `batch_client.environment_variable`: a value starting with `$.` or `$$.` is a JSONPath. */
export function envEntry(name: string, value: string): MetaflowEnvEntry {
  return value.startsWith('$.') || value.startsWith('$$.') ? { Name: name, 'Value.$': value } : { Name: name, Value: value };
}

/** Default tmpfs mount of Metaflow's `@batch`. */
export const METAFLOW_TMPFS_PATH = '/metaflow_temp';

/**
 * The environment of a Metaflow step's Batch job, in the order Metaflow's `step-functions create` emits it
 * (`metaflow-sfn-protocol.md` §3.2): fixed settings, `@environment`, the step's protocol variables, identity, and the
 * DynamoDB table where foreach coordination needs it. Duplicates are kept where Metaflow emits them.
 */
export function metaflowStepEnvironment(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment, options: StepProtocolOptions = {}): MetaflowEnvEntry[] {
  const protocol = stepProtocol(graph, stepName, deployment, options);
  const step = graph.nodes.get(stepName)!.step;
  const root = deployment.datastoreRoot.replace(/\/+$/, '');
  const pkg = deployment.codePackage;
  const out: MetaflowEnvEntry[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) out.push(envEntry(name, value));
  };
  add('AWS_DEFAULT_REGION', deployment.region);
  add('METAFLOW_CODE_METADATA', pkg.metadata ?? (pkg.format === 'tgz' ? METAFLOW_TGZ_CODE_METADATA : undefined));
  add('METAFLOW_CODE_SHA', pkg.sha);
  add('METAFLOW_CODE_URL', pkg.datastoreUrl ?? pkg.url);
  add('METAFLOW_CODE_DS', 's3');
  add('METAFLOW_USER', 'SFN');
  add('METAFLOW_SERVICE_URL', deployment.serviceUrl);
  if (!deployment.serviceHeadersSecret) add('METAFLOW_SERVICE_HEADERS', pythonJsonDumps(deployment.serviceHeaders ?? {}));
  add('METAFLOW_DATASTORE_SYSROOT_S3', root);
  add('METAFLOW_DATATOOLS_S3ROOT', deployment.datatoolsRoot ?? `${root}/data`);
  add('METAFLOW_DEFAULT_DATASTORE', 's3');
  add('METAFLOW_DEFAULT_METADATA', deployment.metadata ?? 'local');
  add('METAFLOW_CARD_S3ROOT', deployment.cardRoot ?? `${root}/mf.cards`);
  add('METAFLOW_OTEL_ENDPOINT', deployment.otelEndpoint);
  add('METAFLOW_OTEL_SERVICE_NAME', 'metaflow');
  add('METAFLOW_RUNTIME_ENVIRONMENT', 'aws-batch');
  add('METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE', deployment.secretsBackendType);
  add('METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION', deployment.secretsManagerRegion);
  const tmpfs = step.useTmpfs === true || step.tmpfsSize !== undefined;
  if (tmpfs && step.tmpfsTempdir !== false) add('METAFLOW_TEMPDIR', step.tmpfsPath ?? METAFLOW_TMPFS_PATH);
  add('METAFLOW_S3_SERVER_SIDE_ENCRYPTION', deployment.s3ServerSideEncryption);
  add('METAFLOW_S3_ENDPOINT_URL', deployment.s3EndpointUrl);
  for (const [name, value] of protocol.env) add(name, value);
  add('METAFLOW_CODE_URL', pkg.datastoreUrl ?? pkg.url);
  add('METAFLOW_FLOW_NAME', graph.document.name);
  add('METAFLOW_STEP_NAME', stepName);
  add('METAFLOW_RUN_ID', protocol.attrs['metaflow.run_id.$']);
  add('METAFLOW_PRODUCTION_TOKEN', deployment.productionToken);
  add('SFN_STATE_MACHINE', deployment.stateMachineName);
  add('METAFLOW_OWNER', deployment.owner);
  add('METAFLOW_RUNTIME_NAME', 'step-functions');
  add('USER', deployment.owner);
  add('METAFLOW_VERSION', pythonJsonDumps({
    ...(deployment.environmentInfo ?? { metaflow_version: deployment.metaflowVersion ?? DEFAULT_METAFLOW_VERSION }),
    flow_name: graph.document.name,
    production_token: deployment.productionToken,
  }));
  if (deployment.configNames !== undefined && deployment.configNames.length > 0) {
    add('METAFLOW_FLOW_CONFIG_VALUE', pythonJsonDumps(Object.fromEntries(deployment.configNames.map((name) => [name, `kv.${name}`]))));
  }
  if (needsDynamoDbTable(graph, stepName)) {
    if (deployment.dynamoDbTable === undefined) {
      throw new ValidationError([{
        where: `flow "${graph.document.name}" step "${stepName}"`, field: 'dynamoDbTable', value: undefined,
        message: 'the step coordinates a foreach or a switch through DynamoDB but the deployment names no table', fix: 'pass the infrastructure\'s coordination table as dynamoDbTable',
      }]);
    }
    add('METAFLOW_SFN_DYNAMO_DB_TABLE', deployment.dynamoDbTable);
  }
  return out;
}

/** Batch job `Parameters` of the step (Metaflow's "attrs"): the only values carried from one state to the next. */
export function metaflowJobParameters(graph: FlowGraph, stepName: string, deployment: MetaflowDeployment): Record<string, string> {
  return stepProtocol(graph, stepName, deployment).attrs;
}
