import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { metadataServiceJobSettings } from '../../../constructs/flow/metadata-service-jobs';
import type { IMetaflowInfrastructure } from '../../../constructs/infrastructure/contract';
import type { FlowDocument } from '../../../lib/graph/model';
import { LINEAR } from '../../lib/compile/helpers';

describe('what every job definition of a flow carries for the metadata service', () => {
  const stack = new Stack();
  const headersSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Headers', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:md-AbCdEf');
  const infra = (metadataService?: IMetaflowInfrastructure['metadataService']) => ({ metadataService }) as IMetaflowInfrastructure;
  const python: FlowDocument = { ...LINEAR, runtime: { kind: 'metaflow', flowFile: 'flow.py', flowClass: 'Linear' } };

  it('without a service: nothing, today\'s job definitions', () => {
    expect(metadataServiceJobSettings(infra(), LINEAR)).toEqual({});
    expect(metadataServiceJobSettings(infra(), python)).toEqual({});
  });

  it('a Python flow: the key as the Batch secret METAFLOW_SERVICE_HEADERS (its URL and --metadata travel with Metaflow\'s overrides)', () => {
    expect(metadataServiceJobSettings(infra({ url: 'https://api/', internalUrl: 'http://nlb/', headersSecret }), python)).toEqual({
      jobSecrets: { METAFLOW_SERVICE_HEADERS: headersSecret.secretArn },
    });
  });

  it('a generic flow: the internal URL, and the key when there is one', () => {
    expect(metadataServiceJobSettings(infra({ url: 'https://api/', internalUrl: 'http://nlb/', headersSecret }), LINEAR)).toEqual({
      jobEnvironment: { METAFLOW_SERVICE_URL: 'http://nlb/' },
      jobSecrets: { METAFLOW_SERVICE_HEADERS: headersSecret.secretArn },
    });
    expect(metadataServiceJobSettings(infra({ url: 'http://nlb/' }), LINEAR)).toEqual({ jobEnvironment: { METAFLOW_SERVICE_URL: 'http://nlb/' } });
  });

  it('a Python flow that names its own service gets none of the infrastructure\'s', () => {
    expect(metadataServiceJobSettings(infra({ url: 'https://api/', headersSecret }), python, { serviceUrl: 'http://other/' })).toEqual({});
  });
});
