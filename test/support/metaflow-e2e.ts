import { DynamoDBClient, ListTablesCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Stack } from 'aws-cdk-lib';
import { ComputeEnvironmentPresets } from '../../constructs/compute/presets';
import { MetaflowInfrastructure } from '../../constructs/infrastructure/metaflow-infrastructure';

/** One coordination-table item as the e2e tests read it: the foreach's width and the join's parent task ids. */
export interface CoordinationItem {
  readonly cardinality: number;
  readonly parents: string[];
  readonly ttl?: string;
}

/** The small infrastructure the Metaflow e2e flows run on: one spot compute environment behind queue `cpu`. */
export function e2eInfrastructure(stack: Stack, id = 'Infra'): MetaflowInfrastructure {
  return new MetaflowInfrastructure(stack, id, {
    computeEnvironments: { spot: ComputeEnvironmentPresets.spot({ maxVcpus: 16 }) },
    queues: [{ name: 'cpu', priority: 1, computeEnvironments: ['spot'] }],
  });
}

/** Every item of every table of the local DynamoDB, by pathspec (call it while the run's servers are up). */
export async function scanCoordinationItems(endpoint: string): Promise<Map<string, CoordinationItem>> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const items = new Map<string, CoordinationItem>();
  try {
    for (const table of (await client.send(new ListTablesCommand({}))).TableNames ?? []) {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          if (item.pathspec?.S) items.set(item.pathspec.S, { cardinality: item.for_each_cardinality?.NS?.length ?? 0, parents: item.parent_task_ids_for_foreach_join?.SS ?? [], ttl: item.ttl?.N });
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }
  } finally {
    client.destroy();
  }
  return items;
}
