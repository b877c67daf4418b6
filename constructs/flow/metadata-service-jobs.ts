import type { CompileOptions } from '../../lib/compile/options';
import type { FlowDocument } from '../../lib/graph/model';
import type { IMetaflowInfrastructure } from '../infrastructure/contract';
import type { MetaflowRuntimeOptions } from './metaflow-runtime';

/**
 * What every job definition of a flow carries for the infrastructure's metadata service: its API key as the Batch
 * secret `METAFLOW_SERVICE_HEADERS` (never in a state machine or template), and for generic steps the service URL
 * too (Metaflow steps get theirs, with `--metadata=service`, in their container overrides as Metaflow writes them).
 * A Python flow that names its own `serviceUrl` talks to that service instead, and gets nothing here.
 */
export function metadataServiceJobSettings(infra: IMetaflowInfrastructure, doc: FlowDocument, options: MetaflowRuntimeOptions = {}): Pick<CompileOptions, 'jobEnvironment' | 'jobSecrets'> {
  const service = infra.metadataService;
  const metaflow = doc.runtime?.kind === 'metaflow';
  if (service === undefined || (metaflow && options.serviceUrl !== undefined)) return {};
  return {
    ...(metaflow ? {} : { jobEnvironment: { METAFLOW_SERVICE_URL: service.internalUrl ?? service.url } }),
    ...(service.headersSecret ? { jobSecrets: { METAFLOW_SERVICE_HEADERS: service.headersSecret.secretArn } } : {}),
  };
}
