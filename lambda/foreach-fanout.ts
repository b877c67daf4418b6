import { BatchWriteItemCommand, GetItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { FanoutResult, foreachRecordKey, itemManifestKey, planFanout } from '../lib/compile/fanout';
import { joinSetKey } from '../lib/runtime/metaflow/array-foreach';
import type { ForeachStrategy } from '../lib/compile/options';
import { dynamoDbClient, s3Client } from './clients';
import { LAMBDA_ENV, requireEnv } from './env';

/** Payload the state machine sends (see `lib/compile/definition.ts`). */
export interface FanoutEvent {
  readonly step: string;
  readonly strategy: ForeachStrategy;
  readonly maxWorkers: number;
  readonly runId: string;
  /** Task id of the foreach task. */
  readonly taskId: string;
  /** Batch job id of the foreach task (the Metaflow runtime keys its DynamoDB item by it). */
  readonly jobId?: string;
  /**
   * A Metaflow array-job foreach: splits per join-set item. The items `<jobId>-joins-<block>` are created with the
   * foreach item's `ttl` before any body task adds its id to one (Metaflow's UpdateItem sets no ttl).
   */
  readonly joinSetBlock?: number;
  /** The flow's maxNumSplits: a wider foreach gets no fan-out built (the state machine then fails it). */
  readonly maxNumSplits?: number;
}

/** Thrown when the foreach step did not record its width; the run fails with this error name. */
export class ForeachWidthMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForeachWidthMissing';
  }
}

function checkWidth(width: unknown, where: string): number {
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 0) {
    throw new ForeachWidthMissing(`${where} holds width ${JSON.stringify(width)}; a foreach width is a whole number >= 0`);
  }
  return width;
}

async function widthFromS3(event: FanoutEvent, bucket: string, prefix: string, flow: string): Promise<number> {
  const key = foreachRecordKey(prefix, flow, event.runId, event.step, event.taskId);
  let text: string;
  try {
    const object = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') {
      throw new ForeachWidthMissing(`foreach step "${event.step}" did not write s3://${bucket}/${key}: a generic foreach step writes {"width": N} there`);
    }
    // without s3:ListBucket, S3 answers a missing key with 403: the function may read only this flow's prefix
    if (name === 'AccessDenied') {
      throw new ForeachWidthMissing(`foreach step "${event.step}" did not write s3://${bucket}/${key} (S3 answered AccessDenied, as it does for a missing key to a reader without s3:ListBucket): a generic foreach step writes {"width": N} there`);
    }
    throw error;
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new ForeachWidthMissing(`s3://${bucket}/${key} is not JSON: a generic foreach step writes {"width": N}`);
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new ForeachWidthMissing(`s3://${bucket}/${key} holds ${JSON.stringify(record)}, not an object: a generic foreach step writes {"width": N}`);
  }
  return checkWidth((record as { width?: unknown }).width, `s3://${bucket}/${key}`);
}

async function widthFromDynamoDb(event: FanoutEvent, table: string): Promise<number> {
  if (!event.jobId) throw new ForeachWidthMissing(`foreach step "${event.step}": no Batch job id to look up in table ${table}`);
  const out = await dynamoDbClient().send(
    new GetItemCommand({ TableName: table, Key: { pathspec: { S: event.jobId } }, ConsistentRead: true, ProjectionExpression: 'for_each_cardinality, #ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } }),
  );
  const cardinality = out.Item?.for_each_cardinality;
  if (cardinality === undefined) {
    throw new ForeachWidthMissing(`foreach step "${event.step}" (job ${event.jobId}) wrote no for_each_cardinality item to table ${table}`);
  }
  const width = cardinality.NS?.length ?? 0;
  if (event.joinSetBlock !== undefined) await createJoinSets(table, event.jobId, width, event.joinSetBlock, out.Item?.ttl?.N);
  return width;
}

/** Milliseconds between BatchWriteItem rounds that left items unprocessed (throttling). */
const UNPROCESSED_BACKOFF_MS = 200;

/** The join-set items of a foreach, created before its body runs, expiring with the foreach's own item. */
export async function createJoinSets(table: string, jobId: string, width: number, block: number, ttl: string | undefined): Promise<void> {
  const expires = ttl ?? String(Math.floor(Date.now() / 1000) + (366 + 90) * 24 * 3600);
  const blocks = Math.ceil(width / block);
  let pending: WriteRequest[] = Array.from({ length: blocks }, (_, b) => ({ PutRequest: { Item: { pathspec: { S: joinSetKey(jobId, b) }, ttl: { N: expires } } } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(UNPROCESSED_BACKOFF_MS * 2 ** round, 5000)));
    const batches = Array.from({ length: Math.ceil(pending.length / 25) }, (_, i) => pending.slice(i * 25, i * 25 + 25));
    const results = await Promise.all(batches.map((RequestItems) => dynamoDbClient().send(new BatchWriteItemCommand({ RequestItems: { [table]: RequestItems } }))));
    pending = results.flatMap((r) => r.UnprocessedItems?.[table] ?? []);
    if (round >= 10 && pending.length > 0) throw new Error(`DynamoDB left ${pending.length} join-set items of job ${jobId} unwritten after ${round + 1} rounds`);
  }
}

/**
 * Reads the width the foreach task recorded and shapes the fan-out for the foreach's strategy: array-job chunks,
 * the inline Map's indices, or an S3 item manifest for a Distributed Map (never a long list in state payload).
 */
export async function handler(event: FanoutEvent): Promise<FanoutResult> {
  const flow = requireEnv(LAMBDA_ENV.flowName);
  const bucket = requireEnv(LAMBDA_ENV.bucket);
  const prefix = process.env[LAMBDA_ENV.prefix] ?? '';
  const width =
    process.env[LAMBDA_ENV.widthSource] === 'dynamodb'
      ? await widthFromDynamoDb(event, requireEnv(LAMBDA_ENV.table))
      : await widthFromS3(event, bucket, prefix, flow);
  if (event.maxNumSplits !== undefined && width > event.maxNumSplits) {
    // nothing is built for a foreach the state machine refuses: the shape the result selector reads, and the width
    return { ...planFanout(event.strategy, 0, event.maxWorkers), width, ...(event.strategy === 'distributed-map' ? { manifest: { bucket, key: '' } } : {}) };
  }
  const planned = planFanout(event.strategy, width, event.maxWorkers);
  if (event.strategy !== 'distributed-map') return planned;
  const key = itemManifestKey(prefix, flow, event.runId, event.step, event.taskId);
  const body = JSON.stringify(Array.from({ length: width }, (_, i) => i));
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return { ...planned, manifest: { bucket, key } };
}
