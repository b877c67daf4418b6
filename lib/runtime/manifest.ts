import type { NodeType, ParameterSpec, S3TriggerSpec, ScheduleSpec } from '../graph/model';

/**
 * What the CLI needs to know about a deployed flow without the source: it is written as the `Comment`
 * of the compiled state machine definition, so `DescribeStateMachine` alone tells the CLI the flow's
 * parameters (to check `trigger` input), its steps (for `status`) and its schedule and triggers (for `flows`).
 */
export interface FlowManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly flow: string;
  readonly parameters: readonly ParameterSpec[];
  readonly steps: readonly ManifestStep[];
  readonly schedule?: ScheduleSpec;
  readonly triggers?: readonly S3TriggerSpec[];
}

export interface ManifestStep {
  readonly name: string;
  readonly type: NodeType;
  /** For foreach steps: `array-job`, `distributed-map` or `inline-map`. */
  readonly foreachStrategy?: string;
}

export const MANIFEST_FORMAT = 'metaflow-cdk/1' as const;

export function encodeManifest(manifest: Omit<FlowManifest, 'format'>): string {
  return JSON.stringify({ format: MANIFEST_FORMAT, ...manifest });
}

/** Returns undefined for a state machine that metaflow-cdk did not compile. */
export function decodeManifest(comment: string | undefined): FlowManifest | undefined {
  if (!comment) return undefined;
  try {
    const parsed = JSON.parse(comment) as Partial<FlowManifest>;
    return parsed.format === MANIFEST_FORMAT && typeof parsed.flow === 'string' ? (parsed as FlowManifest) : undefined;
  } catch {
    return undefined;
  }
}
