import { hashOf } from './job-definitions';

/** A JSONPath ASL state, loosely typed: the compiler builds plain JSON. */
export type AslState = Record<string, unknown> & { readonly Type: string };

export interface AslStates {
  [name: string]: AslState;
}

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  States: AslStates;
  TimeoutSeconds?: number;
}

/** Every state of a definition, depth first: Map iterations (`ItemProcessor`/`Iterator`) and Parallel branches included. */
export function everyState<S extends Record<string, unknown>>(states: Readonly<Record<string, S>>): Array<[string, S]> {
  return Object.entries(states).flatMap(([name, state]) => {
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, S> } | undefined;
    const branches = (state.Branches as Array<{ States: Record<string, S> }> | undefined) ?? [];
    return [[name, state] as [string, S], ...(processor ? everyState(processor.States) : []), ...branches.flatMap((b) => everyState(b.States))];
  });
}

/** Where the compiled state machine keeps run data in the state payload; every state reads only these. */
export const PAYLOAD = {
  runId: '$.run.id',
  parameters: '$.run.parameters',
  triggerBucket: '$.run.trigger.bucket',
  triggerKey: '$.run.trigger.key',
  user: '$.run.user',
  /** Task id of the steps at this level (`1`, `1-4`, `1-4-2`). */
  path: '$.path',
  /** Inside a foreach: the foreach task's id and the split index. */
  parentPath: '$.parentPath',
  index: '$.index',
  /** After a fan-out: the Lambda's `FanoutResult`. */
  fanout: '$.fanout',
  /** Inside an array-job chunk iteration. */
  chunkOffset: '$.offset',
  chunkSize: '$.size',
  chunkDependsOn: '$.dependsOn',
  /** The last foreach step's Batch job id (the Metaflow runtime keys DynamoDB items by it). */
  job: '$.job',
  caught: '$.caught',
  /** User retries so far per retrying step: `{ <step>: { n } }`. */
  retries: '$.retries',
} as const;

/** Step Functions limits state names to 80 characters. */
export function stateName(...parts: string[]): string {
  const name = parts.join('.');
  return name.length <= 80 ? name : `${name.slice(0, 67)}~${hashOf(name, 12)}`;
}

/** `$.a.b` or `$.a['b-c']`, whichever the key needs. */
export function childPath(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}['${key}']`;
}

export function partitionArn(partition: string, service: string): string {
  return `arn:${partition}:states:::${service}`;
}
