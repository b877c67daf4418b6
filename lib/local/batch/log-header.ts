import { STEP_ENV } from '../../runtime/env';
import { ARRAY_FOREACH_ENV } from '../../runtime/metaflow/array-foreach';

/** The header line of a foreach task's log naming its split (`logs --local RUN/STEP/N` selects by it). */
export const SPLIT_INDEX_HEADER = '# split index ';

/** Metaflow's own variable for a foreach task's split (its inline-Map tasks get it from the state machine). */
const METAFLOW_SPLIT_INDEX_ENV = 'METAFLOW_SPLIT_INDEX';

/**
 * A task's foreach split: an array child's is its chunk's first split (a foreach wider than one array runs as several,
 * each indexed from 0) plus its array index; any other task's is the split index its job was given. Undefined for a
 * task of no foreach.
 */
export function splitIndexOf(env: Readonly<Record<string, string>>, arrayIndex: number | undefined): number | undefined {
  const whole = (value: string | undefined): number | undefined => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
  if (arrayIndex === undefined) return whole(env[STEP_ENV.splitIndex]) ?? whole(env[METAFLOW_SPLIT_INDEX_ENV]);
  const offset = whole(env[STEP_ENV.arrayOffset]) ?? whole(env[ARRAY_FOREACH_ENV.offset]);
  return offset === undefined ? undefined : offset + arrayIndex;
}
