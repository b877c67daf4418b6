import * as ddb from '@aws-sdk/client-dynamodb';
import * as s3 from '@aws-sdk/client-s3';
import type { LocalAssembly } from '../template/assembly';
import type { LocalServers } from './servers';

type Command = new (input: never) => unknown;

/** SDK clients for the local servers, plus the resources of the synthesized app created on them. */
export class LocalAws {
  readonly s3: s3.S3Client;
  readonly dynamodb: ddb.DynamoDBClient;

  constructor(servers: LocalServers) {
    const credentials = { accessKeyId: servers.env.AWS_ACCESS_KEY_ID, secretAccessKey: servers.env.AWS_SECRET_ACCESS_KEY };
    const region = servers.env.AWS_REGION;
    this.s3 = new s3.S3Client({ endpoint: servers.s3Endpoint, forcePathStyle: true, region, credentials });
    this.dynamodb = new ddb.DynamoDBClient({ endpoint: servers.dynamodbEndpoint, region, credentials });
  }

  /** Creates every bucket and table of the app (with the template's key schema) on the local servers. */
  async createResources(assembly: LocalAssembly): Promise<void> {
    for (const bucket of assembly.ofType('AWS::S3::Bucket')) {
      await this.s3.send(new s3.CreateBucketCommand({ Bucket: bucket.name })).catch((error: Error) => {
        if (!/BucketAlready/.test(error.name)) throw error;
      });
    }
    for (const table of [...assembly.ofType('AWS::DynamoDB::Table'), ...assembly.ofType('AWS::DynamoDB::GlobalTable')]) {
      const p = table.properties as unknown as ddb.CreateTableCommandInput;
      const indexes = (p.GlobalSecondaryIndexes ?? []).map((gsi) => ({
        IndexName: gsi.IndexName,
        KeySchema: gsi.KeySchema,
        Projection: gsi.Projection,
        ProvisionedThroughput: { ReadCapacityUnits: 1000, WriteCapacityUnits: 1000 },
      }));
      await this.dynamodb
        .send(
          new ddb.CreateTableCommand({
            TableName: table.name,
            KeySchema: p.KeySchema,
            AttributeDefinitions: p.AttributeDefinitions,
            // dynalite only models provisioned capacity; the numbers do not limit anything locally
            ProvisionedThroughput: { ReadCapacityUnits: 1000, WriteCapacityUnits: 1000 },
            ...(indexes.length ? { GlobalSecondaryIndexes: indexes } : {}),
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ResourceInUseException') throw error;
        });
    }
  }

  /** `arn:aws:states:::dynamodb:<action>` and `arn:aws:states:::aws-sdk:<s3|dynamodb>:<action>`. */
  async call(service: 's3' | 'dynamodb', action: string, parameters: unknown, errorPrefix: string): Promise<unknown> {
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const module = (service === 's3' ? s3 : ddb) as unknown as Record<string, Command | undefined>;
    const CommandClass = module[commandName];
    if (!CommandClass) {
      throw Object.assign(new Error(`${service}:${action} is not an action of the ${service} SDK`), { name: 'States.Runtime' });
    }
    const client = (service === 's3' ? this.s3 : this.dynamodb) as { send(command: unknown): Promise<Record<string, unknown>> };
    try {
      const { $metadata: _metadata, ...output } = await client.send(new CommandClass(parameters as never));
      if (service === 's3' && output.Body && typeof (output.Body as { transformToString?: unknown }).transformToString === 'function') {
        output.Body = await (output.Body as { transformToString(): Promise<string> }).transformToString();
      }
      return output;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw Object.assign(new Error(err.message), { name: `${errorPrefix}.${err.name}` });
    }
  }

  destroy(): void {
    this.s3.destroy();
    this.dynamodb.destroy();
  }
}
