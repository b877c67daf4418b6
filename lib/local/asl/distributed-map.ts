import { randomUUID } from 'crypto';
import type { LocalAws } from '../services/aws';
import type { Json } from '../template/tokens';
import { Semaphore } from '../process/semaphore';
import type { AslDefinition, DistributedMapPlan } from './prepare';

/** What the Task standing in for a Distributed Map receives once the interpreter resolved its Parameters. */
export interface DistributedMapInput {
  readonly Input: Json;
  readonly Items?: Json;
  readonly Reader?: { readonly Bucket?: string; readonly Key?: string; readonly Prefix?: string; readonly [key: string]: Json | undefined };
  readonly Writer?: { readonly Bucket?: string; readonly Prefix?: string };
  readonly BatchInput?: Json;
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
}

export interface DistributedMapDeps {
  readonly aws: LocalAws;
  /** Evaluates the ItemSelector for item `index` of value `value` against the Map's input. */
  selectItem(selector: Json, mapInput: Json, index: number, value: Json): Promise<Json>;
  /** Runs one child execution of the item processor. */
  runChild(processor: AslDefinition, input: Json, childName: string): Promise<Json>;
  /** Map runs never use more than this many concurrent children locally. */
  readonly maxConcurrency: number;
  readonly executionArn: string;
}

/** Error raised when more children failed than the Map tolerates, as Step Functions names it. */
export class ToleratedFailureExceeded extends Error {
  constructor(
    failed: number,
    total: number,
    /** The first failed child's error, for the run's report (Step Functions names it only in the Map Run). */
    readonly firstFailure?: { readonly error: string; readonly cause: string },
  ) {
    super(`The specified tolerated failure threshold was exceeded: ${failed} of ${total} child executions failed`);
    this.name = 'States.ExceedToleratedFailureThreshold';
  }
}

async function readItems(plan: DistributedMapPlan, input: DistributedMapInput, aws: LocalAws): Promise<Json[]> {
  if (!plan.itemReader) {
    if (!Array.isArray(input.Items)) throw Object.assign(new Error('Items of the Map are not an array'), { name: 'States.Runtime' });
    return input.Items;
  }
  const resource = plan.itemReader.Resource;
  const reader = input.Reader ?? {};
  const maxItems = Number(plan.itemReader.ReaderConfig?.MaxItems ?? 0);
  let items: Json[];
  if (/:s3:listObjectsV2$/.test(resource)) {
    const out = (await aws.call('s3', 'listObjectsV2', reader, 'S3')) as { Contents?: Json[] };
    items = out.Contents ?? [];
  } else if (/:s3:getObject$/.test(resource)) {
    const out = (await aws.call('s3', 'getObject', { Bucket: reader.Bucket, Key: reader.Key }, 'S3')) as { Body: string };
    const type = String(plan.itemReader.ReaderConfig?.InputType ?? 'JSON').toUpperCase();
    if (type === 'JSON') {
      const parsed = JSON.parse(out.Body) as Json;
      if (!Array.isArray(parsed)) {
        throw Object.assign(new Error(`s3://${reader.Bucket}/${reader.Key} is not a JSON array`), { name: 'States.ItemReaderFailed' });
      }
      items = parsed;
    } else if (type === 'JSONL') {
      items = out.Body.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Json);
    } else {
      throw Object.assign(new Error(`ItemReader InputType ${type} is not supported locally (JSON, JSONL)`), { name: 'States.Runtime' });
    }
  } else {
    throw Object.assign(new Error(`ItemReader resource ${resource} is not supported locally`), { name: 'States.Runtime' });
  }
  return maxItems > 0 ? items.slice(0, maxItems) : items;
}

function batch(items: Json[], batcher: DistributedMapPlan['itemBatcher'], batchInput: Json | undefined): Json[] {
  if (!batcher) return items;
  const maxItems = Number(batcher.MaxItemsPerBatch ?? 0) || Infinity;
  const maxBytes = Number(batcher.MaxInputBytesPerBatch ?? 0) || 256 * 1024;
  const batches: Json[] = [];
  let current: Json[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches.map((b): Json => (batchInput === undefined ? { Items: b } : { BatchInput: batchInput, Items: b }));
}

/** Runs a Distributed Map: items from S3 (or the input), child executions with bounded concurrency, optional ResultWriter. */
export async function runDistributedMap(plan: DistributedMapPlan, input: DistributedMapInput, deps: DistributedMapDeps): Promise<Json> {
  const raw = await readItems(plan, input, deps.aws);
  const selected = plan.itemSelector === undefined
    ? raw
    : await Promise.all(raw.map((value, index) => deps.selectItem(plan.itemSelector as Json, input.Input, index, value)));
  const childInputs = batch(selected, plan.itemBatcher, input.BatchInput);
  const requested = input.MaxConcurrency ?? plan.maxConcurrency ?? 0;
  const limit = new Semaphore(Math.max(1, Math.min(requested > 0 ? requested : deps.maxConcurrency, deps.maxConcurrency)));
  const mapRunId = randomUUID();
  const results = await Promise.all(
    childInputs.map((childInput, index) =>
      limit.use(async () => {
        const startDate = Date.now();
        try {
          const output = await deps.runChild(plan.processor, childInput, `${mapRunId}:${index}`);
          return { ok: true as const, output, input: childInput, startDate, stopDate: Date.now() };
        } catch (error) {
          const err = error as { cause?: { name?: string; message?: string }; name?: string; message?: string };
          const cause = err.cause ?? err;
          return { ok: false as const, error: cause.name ?? 'Error', cause: cause.message ?? '', input: childInput, startDate, stopDate: Date.now() };
        }
      }),
    ),
  );
  const failed = results.filter((r) => !r.ok).length;
  const tolerated = Math.max(
    input.ToleratedFailureCount ?? plan.toleratedFailureCount ?? 0,
    Math.floor(((input.ToleratedFailurePercentage ?? plan.toleratedFailurePercentage ?? 0) / 100) * results.length),
  );
  const mapRunArn = `${deps.executionArn.replace(':execution:', ':mapRun:')}/${plan.stateName}:${mapRunId}`;
  if (input.Writer) {
    return writeResults(deps, input.Writer, mapRunArn, mapRunId, results, failed > tolerated);
  }
  if (failed > tolerated) throw exceededBy(results);
  return results.map((r) => (r.ok ? r.output : null));
}

function exceededBy(results: readonly ChildResult[]): ToleratedFailureExceeded {
  const failures = results.filter((r): r is Extract<ChildResult, { ok: false }> => !r.ok);
  return new ToleratedFailureExceeded(failures.length, results.length, failures[0] && { error: failures[0].error, cause: failures[0].cause });
}

type ChildResult =
  | { ok: true; output: Json; input: Json; startDate: number; stopDate: number }
  | { ok: false; error: string; cause: string; input: Json; startDate: number; stopDate: number };

async function writeResults(
  deps: DistributedMapDeps,
  writer: NonNullable<DistributedMapInput['Writer']>,
  mapRunArn: string,
  mapRunId: string,
  results: ChildResult[],
  exceeded: boolean,
): Promise<Json> {
  const bucket = String(writer.Bucket);
  const prefix = `${writer.Prefix ? `${String(writer.Prefix).replace(/\/$/, '')}/` : ''}${mapRunId}`;
  const entry = (r: ChildResult, i: number): Json => ({
    ExecutionArn: `${mapRunArn}:${i}`,
    Name: `${mapRunId}:${i}`,
    Input: JSON.stringify(r.input),
    StartDate: new Date(r.startDate).toISOString(),
    StopDate: new Date(r.stopDate).toISOString(),
    Status: r.ok ? 'SUCCEEDED' : 'FAILED',
    ...(r.ok ? { Output: JSON.stringify(r.output) } : { Error: r.error, Cause: r.cause }),
  });
  const files: { SUCCEEDED: Json[]; FAILED: Json[]; PENDING: Json[] } = { SUCCEEDED: [], FAILED: [], PENDING: [] };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const entries = results.map((r, i) => ({ r, i })).filter(({ r }) => r.ok === (status === 'SUCCEEDED'));
    if (entries.length === 0) continue;
    const key = `${prefix}/${status}_0.json`;
    const body = JSON.stringify(entries.map(({ r, i }) => entry(r, i)));
    await deps.aws.call('s3', 'putObject', { Bucket: bucket, Key: key, Body: body }, 'S3');
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${prefix}/manifest.json`;
  await deps.aws.call(
    's3',
    'putObject',
    { Bucket: bucket, Key: manifestKey, Body: JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }) },
    'S3',
  );
  if (exceeded) throw exceededBy(results);
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
}
