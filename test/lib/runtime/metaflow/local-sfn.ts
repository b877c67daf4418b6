import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { installPromiseWithResolvers } from '../../../../lib/local/asl/polyfill';
import { FIXTURES, type Recorded } from './fixture-deployment';

// Test helper (not a test file): the Step Functions interpreter and a local DynamoDB for the stand-in runs.
installPromiseWithResolvers();
export const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };

export interface LocalDynamo {
  readonly endpoint: string;
  readonly dynamo: DynamoDBClient;
  stop(): Promise<void>;
}

/** dynalite on an ephemeral loopback port, with a client for it. */
export async function startDynalite(): Promise<LocalDynamo> {
  const dynalite = require('dynalite') as (options: object) => http.Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const dynamo = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    endpoint,
    dynamo,
    stop: async () => {
      dynamo.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A coordination table as Metaflow's runtime expects it: partition key `pathspec`. */
export async function createCoordinationTable(dynamo: DynamoDBClient, table: string): Promise<void> {
  await dynamo.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'pathspec', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pathspec', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
}

/** What the stand-in step records for each task (`<run dir>/<step>/<task>/task.json`). */
export interface TaskRecord {
  pathspec: string;
  inputs: string[];
  split_index?: number;
  foreach_width?: number;
  run_parameters?: Record<string, unknown>;
  retry_count: number;
}

/** Reader of the task records of one run, by step. */
export function taskRecords(runDir: string): (step: string) => TaskRecord[] {
  return (step) => {
    const stepDir = path.join(runDir, step);
    if (!fs.existsSync(stepDir)) return [];
    return fs.readdirSync(stepDir).map((task) => JSON.parse(fs.readFileSync(path.join(stepDir, task, 'task.json'), 'utf-8')) as TaskRecord);
  };
}

/** Widths of the fixture foreaches: the list literals the flows assign before self.next(..., foreach=...). */
export function widthOf(fixture: Recorded, step: string): number {
  const source = fs.readFileSync(path.join(FIXTURES, fixture.dir, 'flow.py'), 'utf-8');
  const param = fixture.graph.nodes.get(step)!.foreachParam!;
  const literal = new RegExp(`self\\.${param} = (\\[.*\\])`).exec(source)![1];
  return JSON.parse(literal.replace(/'/g, '"')).length;
}

type Tasks = (step: string) => TaskRecord[];

/** Each step ran once per split of the foreaches it sits in, and each foreach's children got indexes 0..N-1. */
export function expectTasksPerSplit(fixture: Recorded, tasks: Tasks): void {
  const graph = fixture.graph;
  for (const name of graph.sortedNames) {
    const node = graph.nodes.get(name)!;
    // a foreach join closes its own foreach
    const open = node.splitParents.filter((p) => graph.nodes.get(p)!.type === 'foreach' && graph.nodes.get(p)!.matchingJoin !== name);
    expect({ name, tasks: tasks(name).length }).toEqual({ name, tasks: open.reduce((n, p) => n * widthOf(fixture, p), 1) });
    const foreachParent = node.inFuncs.find((p) => graph.nodes.get(p)!.type === 'foreach');
    if (foreachParent === undefined) continue;
    const perParent = new Map<string, number[]>();
    for (const task of tasks(name)) perParent.set(task.inputs[0], [...(perParent.get(task.inputs[0]) ?? []), task.split_index!]);
    for (const indexes of perParent.values()) expect(indexes.sort()).toEqual([...Array(widthOf(fixture, foreachParent)).keys()]);
  }
}

/** DynamoDB holds each foreach task's cardinality and exactly the task ids its join read. */
export async function expectForeachCoordination(fixture: Recorded, tasks: Tasks, dynamo: DynamoDBClient, table: string): Promise<void> {
  for (const [name, node] of fixture.graph.nodes) {
    if (node.type !== 'foreach') continue;
    for (const task of tasks(name)) {
      const jobId = task.pathspec.split('/')[3];
      const { Item } = await dynamo.send(new GetItemCommand({ TableName: table, Key: { pathspec: { S: jobId } }, ConsistentRead: true }));
      expect(Item?.for_each_cardinality.NS?.length).toBe(widthOf(fixture, name));
      const join = tasks(node.matchingJoin!).find((j) => j.inputs.some((i) => Item!.parent_task_ids_for_foreach_join.SS!.includes(i.split('/')[2])));
      expect(join?.inputs.map((i) => i.split('/')[2]).sort()).toEqual([...Item!.parent_task_ids_for_foreach_join.SS!].sort());
    }
  }
}

/** The end step saw the flow's parameter defaults merged with `{ greeting: 'hi' }` from the execution input. */
export function expectMergedParameters(fixture: Recorded, tasks: Tasks): void {
  const declared = fixture.graph.document.parameters ?? [];
  const defaults = Object.fromEntries(declared.filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
  const expected = declared.length ? { ...defaults, greeting: 'hi' } : {};
  for (const task of tasks(fixture.graph.end)) expect(task.run_parameters ?? {}).toEqual(expected);
}
