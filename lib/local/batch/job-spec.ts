import type { LocalResource } from '../template/assembly';
import type { Json } from '../template/tokens';
import type { RetryStrategy } from './retry-strategy';

/** The `Parameters` of a `batch:submitJob.sync` Task, after the interpreter resolved its paths. */
export interface SubmitJobRequest {
  readonly JobDefinition: string;
  readonly JobName: string;
  readonly JobQueue: string;
  readonly ArrayProperties?: { readonly Size?: number };
  readonly ContainerOverrides?: ContainerOverrides;
  readonly NodeOverrides?: {
    readonly NumNodes?: number;
    readonly NodePropertyOverrides?: ReadonlyArray<{ readonly TargetNodes: string; readonly ContainerOverrides?: ContainerOverrides }>;
  };
  readonly Parameters?: Readonly<Record<string, string>>;
  readonly Tags?: Readonly<Record<string, string>>;
  readonly Timeout?: { readonly AttemptDurationSeconds?: number };
  readonly RetryStrategy?: RetryStrategy;
  /** `[{ Type: 'SEQUENTIAL' }]` makes the children of an array job run one after another. */
  readonly DependsOn?: ReadonlyArray<{ readonly JobId?: string; readonly Type?: string }>;
}

export interface ContainerOverrides {
  readonly Command?: readonly string[];
  readonly Environment?: ReadonlyArray<{ readonly Name: string; readonly Value?: string }>;
  readonly ResourceRequirements?: ReadonlyArray<{ readonly Type: string; readonly Value: string }>;
}

interface ContainerProperties {
  readonly Command?: readonly string[];
  readonly Environment?: ReadonlyArray<{ readonly Name: string; readonly Value?: string }>;
  readonly Image?: string;
  readonly Secrets?: ReadonlyArray<{ readonly Name: string; readonly ValueFrom: string }>;
  readonly ResourceRequirements?: ReadonlyArray<{ readonly Type: string; readonly Value: string }>;
}

/** What one node of one job runs: command and env after overrides and parameter substitution. */
export interface NodeRunSpec {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly image?: string;
  /** Secrets Batch injects from Secrets Manager: the variable and the secret (ARN or name, maybe with a JSON key). */
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly valueFrom: string }>;
}

export interface ResolvedJob {
  readonly definition: LocalResource;
  readonly multinode: boolean;
  readonly numNodes: number;
  readonly mainNode: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly retryStrategy?: RetryStrategy;
  readonly attemptDurationSeconds?: number;
  /** The spec for node `index` (always 0 for container jobs). */
  node(index: number): NodeRunSpec;
}

function envList(list: ContainerProperties['Environment']): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { Name, Value } of list ?? []) env[Name] = Value ?? '';
  return env;
}

/** Batch parameter substitution: `Ref::name` in command arguments becomes the parameter's value. */
export function substituteParameters(command: readonly string[], parameters: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(parameters).sort((a, b) => b.length - a.length);
  if (names.length === 0) return [...command];
  const pattern = new RegExp(`Ref::(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'g');
  return command.map((arg) => arg.replace(pattern, (_whole, name: string) => parameters[name]));
}

/** True when `index` is inside a Batch `TargetNodes` range such as `0`, `1:`, `:3`, `2:5`. */
export function inNodeRange(range: string, index: number, numNodes: number): boolean {
  const [startText, endText] = range.includes(':') ? range.split(':') : [range, range];
  const start = startText === '' ? 0 : Number(startText);
  const end = endText === '' ? numNodes - 1 : Number(endText);
  return index >= start && index <= end;
}

/** Merges a job definition and a SubmitJob request into what each node runs. */
export function resolveJob(definition: LocalResource, request: SubmitJobRequest): ResolvedJob {
  const props = definition.properties as { [key: string]: Json } & {
    Type?: string;
    ContainerProperties?: ContainerProperties;
    NodeProperties?: {
      NumNodes?: number;
      MainNode?: number;
      NodeRangeProperties?: ReadonlyArray<{ TargetNodes: string; Container?: ContainerProperties }>;
    };
    Parameters?: Record<string, string>;
    RetryStrategy?: RetryStrategy;
    Timeout?: { AttemptDurationSeconds?: number };
  };
  const multinode = (props.Type ?? 'container').toLowerCase() === 'multinode';
  const parameters = { ...(props.Parameters ?? {}), ...(request.Parameters ?? {}) };
  const numNodes = multinode ? request.NodeOverrides?.NumNodes ?? props.NodeProperties?.NumNodes ?? 1 : 1;
  const mainNode = multinode ? props.NodeProperties?.MainNode ?? 0 : 0;

  const node = (index: number): NodeRunSpec => {
    let container: ContainerProperties | undefined;
    let overrides: ContainerOverrides | undefined;
    if (multinode) {
      container = props.NodeProperties?.NodeRangeProperties?.find((r) => inNodeRange(r.TargetNodes, index, numNodes))?.Container;
      overrides = request.NodeOverrides?.NodePropertyOverrides?.find((r) => inNodeRange(r.TargetNodes, index, numNodes))
        ?.ContainerOverrides;
    } else {
      container = props.ContainerProperties;
      overrides = request.ContainerOverrides;
    }
    const command = overrides?.Command ?? container?.Command ?? [];
    return {
      command: substituteParameters(command, parameters),
      env: { ...envList(container?.Environment), ...envList(overrides?.Environment) },
      image: container?.Image,
      secrets: (container?.Secrets ?? []).map((s) => ({ name: s.Name, valueFrom: s.ValueFrom })),
    };
  };

  return {
    definition,
    multinode,
    numNodes,
    mainNode,
    parameters,
    retryStrategy: request.RetryStrategy ?? props.RetryStrategy,
    attemptDurationSeconds: request.Timeout?.AttemptDurationSeconds ?? props.Timeout?.AttemptDurationSeconds,
    node,
  };
}
