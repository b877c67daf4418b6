import { FOREACH_RECORD_FILE } from '../runtime/env';
import { BATCH_MAX_ARRAY_SIZE, ForeachStrategy, INLINE_MAP_MAX_CONCURRENCY } from './options';

/**
 * What the fan-out Lambda returns for one foreach; the state machine reads it at `$.fanout`.
 * Only small fields: the item list of a Distributed Map lives in S3, never in state payload.
 */
export interface FanoutResult {
  readonly width: number;
  /** array-job: the array jobs to submit per body step, wave after wave. */
  readonly waves?: readonly ArrayWave[];
  /** inline-map: the split indices. */
  readonly items?: readonly number[];
  /** distributed-map: where the item manifest (a JSON array of split indices) was written. */
  readonly manifest?: { readonly bucket: string; readonly key: string };
}

/** One Batch array job (size 2-10,000) of a foreach body step: split indices `offset` to `offset + size - 1`. */
export interface ArrayChunk {
  readonly offset: number;
  readonly size: number;
  /** `[{Type: 'SEQUENTIAL'}]` for a lane whose children run one at a time (max workers), else `[]`. */
  readonly dependsOn: readonly { readonly Type: 'SEQUENTIAL' }[];
}

/** Array jobs that run at the same time; waves run one after another. */
export interface ArrayWave {
  readonly chunks: readonly ArrayChunk[];
}

function balanced(width: number, parts: number): Array<{ offset: number; size: number }> {
  const base = Math.floor(width / parts);
  const extra = width % parts;
  const out: Array<{ offset: number; size: number }> = [];
  let offset = 0;
  for (let i = 0; i < parts; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push({ offset, size });
    offset += size;
  }
  return out;
}

/**
 * Array jobs for `width` splits with at most `maxWorkers` tasks running at once, in as few array jobs as that allows.
 * Width 0 and 1 need none (the state machine skips the body, or submits one plain job: Batch refuses arrays of size 1).
 * Up to `maxWorkers` splits run as one parallel array. Wider foreaches run either as `maxWorkers` (at most 40, an inline
 * Map's concurrency) SEQUENTIAL lanes in one wave (children of a lane run one at a time), or as waves of one parallel
 * array of up to `maxWorkers` children, whichever needs fewer array jobs; no array job has more than 10,000 children or
 * fewer than 2.
 */
export function arrayWaves(width: number, maxWorkers: number): ArrayWave[] {
  if (width <= 1) return [];
  const workers = Math.max(1, Math.floor(maxWorkers));
  if (width <= workers) {
    return [{ chunks: balanced(width, Math.ceil(width / BATCH_MAX_ARRAY_SIZE)).map((c) => ({ ...c, dependsOn: [] })) }];
  }
  // lanes run as iterations of an inline Map, which runs at most 40 at once: more lanes would only queue behind them
  const lanes = Math.max(Math.min(workers, Math.floor(width / 2), INLINE_MAP_MAX_CONCURRENCY), Math.ceil(width / BATCH_MAX_ARRAY_SIZE));
  const waves = Math.ceil(width / workers);
  if (waves < lanes) return balanced(width, waves).map((c) => ({ chunks: [{ ...c, dependsOn: [] }] }));
  return [{ chunks: balanced(width, lanes).map((c) => ({ ...c, dependsOn: [{ Type: 'SEQUENTIAL' as const }] })) }];
}

/** Every array job of a fan-out, in order. */
export function arrayChunks(width: number, maxWorkers: number): ArrayChunk[] {
  return arrayWaves(width, maxWorkers).flatMap((w) => [...w.chunks]);
}

/** Key of the width record a generic foreach step writes (`<task root>/_foreach.json`). */
export function foreachRecordKey(prefix: string, flow: string, runId: string, step: string, taskId: string): string {
  return [prefix, flow, runId, step, taskId, FOREACH_RECORD_FILE].filter((p) => p !== '').join('/');
}

/** Prefix (under the datastore prefix) of the objects only the state machine and its Lambdas use. */
export function coordinationPrefix(prefix: string, flow: string): string {
  return [prefix, '_metaflow-cdk', flow].filter((p) => p !== '').join('/');
}

/** Key of the item manifest of one Distributed Map fan-out. */
export function itemManifestKey(prefix: string, flow: string, runId: string, step: string, taskId: string): string {
  return `${coordinationPrefix(prefix, flow)}/foreach/${runId}/${step}/${taskId}.json`;
}

/** Prefix where Distributed Maps write their results (`ResultWriter`). */
export function mapResultsPrefix(prefix: string, flow: string): string {
  return `${coordinationPrefix(prefix, flow)}/map-results`;
}

/** What the fan-out Lambda computes from a width; `writeManifest` stores the Distributed Map item list. */
export function planFanout(strategy: ForeachStrategy, width: number, maxWorkers: number): Omit<FanoutResult, 'manifest'> {
  switch (strategy) {
    case 'array-job':
      return { width, waves: arrayWaves(width, maxWorkers) };
    case 'inline-map':
      return { width, items: Array.from({ length: width }, (_, i) => i) };
    case 'distributed-map':
      return { width };
  }
}
