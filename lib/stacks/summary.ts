import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** What one synthesized stack builds, read back from its template. */
export interface StackSummary {
  readonly stackName: string;
  readonly computeEnvironments: readonly ComputeEnvironmentSummary[];
  readonly queues: readonly QueueSummary[];
  /** Output id to value; unresolved references read `<LogicalId>` / `<LogicalId.Attr>`. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly resourceCount: number;
}

export interface ComputeEnvironmentSummary {
  readonly logicalId: string;
  /** Construct path of the environment when the template carries path metadata, else the logical id. */
  readonly name: string;
  /** EC2, SPOT, FARGATE or FARGATE_SPOT. */
  readonly type: string;
  readonly maxVcpus: number;
  readonly minVcpus?: number;
  readonly instanceTypes: readonly string[];
  readonly imageTypes: readonly string[];
  readonly allocationStrategy?: string;
}

export interface QueueSummary {
  readonly logicalId: string;
  /** Queue name from the `MetaflowJobQueues` output when present, else the logical id. */
  readonly name: string;
  readonly priority: number;
  /** Compute environment names in the order Batch tries them. */
  readonly computeEnvironments: readonly string[];
  /** RUNNABLE watchdog: `<reason> after <seconds>s`. */
  readonly watchdog: readonly string[];
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> }>; Outputs?: Record<string, { Value: unknown }> };

export function summarizeAssembly(assembly: CloudAssembly): StackSummary[] {
  return assembly.stacks.map((stack) => summarizeTemplate(stack.stackName, stack.template as Template));
}

export function summarizeTemplate(stackName: string, template: Template): StackSummary {
  const resources = template.Resources ?? {};
  const outputs = Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([id, o]) => [id, renderCfnValue(o.Value)]));
  const queueNames = queueNamesFromOutputs(template);
  const ceName = (logicalId: string) => {
    const path = resources[logicalId]?.Metadata?.['aws:cdk:path'];
    return typeof path === 'string' ? path.replace(/(\/Resource)+$/, '').split('/').pop()!.replace(/^Compute-/, '') : logicalId;
  };
  const computeEnvironments: ComputeEnvironmentSummary[] = [];
  const queues: QueueSummary[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::Batch::ComputeEnvironment') {
      const cr = props.ComputeResources ?? {};
      computeEnvironments.push({
        logicalId,
        name: ceName(logicalId),
        type: cr.Type,
        maxVcpus: cr.MaxvCpus,
        minVcpus: cr.MinvCpus,
        instanceTypes: cr.InstanceTypes ?? [],
        imageTypes: (cr.Ec2Configuration ?? []).map((c: { ImageType: string }) => c.ImageType),
        allocationStrategy: cr.AllocationStrategy,
      });
    } else if (resource.Type === 'AWS::Batch::JobQueue') {
      const order = [...(props.ComputeEnvironmentOrder ?? [])].sort((a, b) => a.Order - b.Order);
      queues.push({
        logicalId,
        name: queueNames.get(logicalId) ?? logicalId,
        priority: props.Priority,
        computeEnvironments: order.map((o: { ComputeEnvironment: unknown }) => ceName(referencedLogicalId(o.ComputeEnvironment) ?? renderCfnValue(o.ComputeEnvironment))),
        watchdog: (props.JobStateTimeLimitActions ?? []).map((a: { Reason: string; MaxTimeSeconds: number; Action: string }) => `${a.Action} ${a.Reason} after ${a.MaxTimeSeconds}s`),
      });
    }
  }
  return { stackName, computeEnvironments, queues, outputs, resourceCount: Object.keys(resources).length };
}

/** A template value as text: literals as they are, references as `<LogicalId>` or `<LogicalId.Attribute>`. */
export function renderCfnValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
      return items.map(renderCfnValue).join(delimiter);
    }
    if (Array.isArray(v['Fn::GetAtt'])) return `<${v['Fn::GetAtt'].join('.')}>`;
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  }
  return JSON.stringify(value);
}

function referencedLogicalId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
    if (typeof v.Ref === 'string') return v.Ref;
  }
  return undefined;
}

/** Reads `{ "<name>": <GetAtt queue> }` back out of the `MetaflowJobQueues` output's Fn::Join. */
function queueNamesFromOutputs(template: Template): Map<string, string> {
  const names = new Map<string, string>();
  const value = template.Outputs?.MetaflowJobQueues?.Value as { 'Fn::Join'?: [string, unknown[]] } | undefined;
  const parts = value?.['Fn::Join']?.[1] ?? [];
  for (let i = 1; i < parts.length; i++) {
    const logicalId = referencedLogicalId(parts[i]);
    const before = parts[i - 1];
    const match = typeof before === 'string' ? /"([^"]+)":"$/.exec(before) : null;
    if (logicalId && match) names.set(logicalId, match[1]);
  }
  return names;
}

/** Human-readable text of the summaries, as `bin/main-job.ts` prints it. */
export function formatSummary(stacks: readonly StackSummary[]): string {
  const lines: string[] = [];
  for (const stack of stacks) {
    lines.push(`Stack ${stack.stackName} (${stack.resourceCount} resources)`);
    lines.push('  Compute environments:');
    for (const ce of stack.computeEnvironments) {
      const detail = [
        ce.type,
        `max ${ce.maxVcpus} vCPUs`,
        ce.minVcpus !== undefined ? `min ${ce.minVcpus}` : undefined,
        ce.instanceTypes.length ? `instances ${ce.instanceTypes.join(',')}` : undefined,
        ce.imageTypes.length ? `AMI ${ce.imageTypes.join(',')}` : undefined,
        ce.allocationStrategy,
      ].filter(Boolean);
      lines.push(`    - ${ce.name}: ${detail.join(', ')}`);
    }
    lines.push('  Job queues:');
    for (const q of stack.queues) {
      lines.push(`    - ${q.name} (priority ${q.priority}): ${q.computeEnvironments.join(' -> ')}`);
      for (const w of q.watchdog) lines.push(`        watchdog: ${w}`);
    }
    lines.push('  Outputs:');
    for (const [id, value] of Object.entries(stack.outputs)) {
      lines.push(`    ${id} = ${value.length > 160 ? `${value.slice(0, 157)}...` : value}`);
    }
  }
  return lines.join('\n');
}
