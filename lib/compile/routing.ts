import { Problem } from '../errors';
import type { GraphNode } from '../graph/analyze';
import { platformProblems } from '../graph/rules/platform';
import { CompileOptions, QueueInfo } from './options';

export function stepWhere(flow: string, step: string): string {
  return `flow "${flow}" step "${step}"`;
}

/** The queue a step runs on: its `queue` (a name, or an ARN whose last segment is a name), else the default. */
export function findQueue(node: GraphNode, options: CompileOptions): QueueInfo | undefined {
  const wanted = node.step.queue ?? options.defaultQueueName;
  const name = wanted.startsWith('arn:') ? wanted.split('/').pop()! : wanted;
  return options.queues.find((q) => q.name === name);
}

/**
 * Every reason the step cannot run on its queue: an unknown queue, GPUs or Neuron chips the queue lacks, more vCPUs
 * than any compute environment behind it has, multi-node on Fargate, and the platform's own limits.
 */
export function routingProblems(flow: string, node: GraphNode, options: CompileOptions): Problem[] {
  const where = stepWhere(flow, node.name);
  const step = node.step;
  const queue = findQueue(node, options);
  const names = options.queues.map((q) => q.name);
  const foreign = foreignQueueArnProblem(where, step.queue, options.stackEnvironment);
  if (foreign) return [foreign];
  if (queue === undefined) {
    return [
      {
        where,
        field: 'queue',
        value: step.queue ?? options.defaultQueueName,
        message: 'no queue of the infrastructure has this name',
        fix: `use one of ${names.map((n) => `"${n}"`).join(', ') || '(no queues: add one to the infrastructure)'}`,
      },
    ];
  }
  const caps = queue.capabilities;
  const problems: Problem[] = [];
  const suggest = (want: (q: QueueInfo) => boolean, what: string): string => {
    const fits = options.queues.filter(want).map((q) => `"${q.name}"`);
    return fits.length > 0 ? `set queue to ${fits.join(' or ')}` : `add a queue with ${what} to the infrastructure`;
  };
  if ((step.gpu ?? 0) > 0 && !caps.gpu) {
    problems.push({
      where,
      field: 'gpu',
      value: step.gpu,
      message: `queue "${queue.name}" has no GPU instances, so the job would wait in RUNNABLE forever`,
      fix: suggest((q) => q.capabilities.gpu, 'GPU instances'),
    });
  }
  if (((step.inferentia ?? 0) > 0 || (step.trainium ?? 0) > 0) && !caps.neuron) {
    problems.push({
      where,
      field: (step.inferentia ?? 0) > 0 ? 'inferentia' : 'trainium',
      value: step.inferentia ?? step.trainium,
      message: `queue "${queue.name}" has no Inferentia or Trainium instances`,
      fix: suggest((q) => q.capabilities.neuron, 'Inferentia/Trainium instances'),
    });
  }
  const cpu = step.cpu ?? 1;
  if (cpu > caps.maxVcpus) {
    problems.push({
      where,
      field: 'cpu',
      value: cpu,
      message: `queue "${queue.name}" has at most ${caps.maxVcpus} vCPUs in any compute environment, so the job would never start`,
      fix: `ask for at most ${caps.maxVcpus} vCPUs, or ${suggest((q) => q.capabilities.maxVcpus >= cpu, `${cpu}+ max vCPUs`)}`,
    });
  }
  problems.push(...platformProblems({ ...step, parallel: isParallelNode(node) }, caps.platform, where));
  return problems;
}

/**
 * A queue named by ARN is looked up by its name among the infrastructure's queues, whose grants the flow's roles hold:
 * one of another account or region would be silently swapped for the local queue of that name.
 */
function foreignQueueArnProblem(where: string, queue: string | undefined, stack: CompileOptions['stackEnvironment']): Problem | undefined {
  if (queue === undefined || !queue.startsWith('arn:') || queue.includes('${Token[')) return undefined;
  const [, , service, region, account, resource = ''] = queue.split(':');
  const fix = `name the queue by its name in the infrastructure${stack ? `, or use a queue of account ${stack.account} in ${stack.region}` : ''}`;
  if (service !== 'batch' || !resource.startsWith('job-queue/')) {
    return { where, field: 'queue', value: queue, message: 'not a Batch job queue ARN', fix };
  }
  if (stack && (region !== stack.region || account !== stack.account)) {
    return { where, field: 'queue', value: queue, message: `a queue of account ${account} in ${region}, while the flow deploys to account ${stack.account} in ${stack.region}: the step would run on the local queue of that name`, fix };
  }
  return undefined;
}

/**
 * A multi-node job places all its nodes at once: with more vCPUs in all than any environment of its queue has, it waits
 * in RUNNABLE forever.
 */
export function multiNodeProblems(flow: string, node: GraphNode, numNodes: number, queue: QueueInfo): Problem[] {
  const where = stepWhere(flow, node.name);
  const caps = queue.capabilities;
  const problems: Problem[] = [];
  const vcpus = numNodes * (node.step.cpu ?? 1);
  if (vcpus > caps.maxVcpus) {
    problems.push({ where, field: 'cpu', value: node.step.cpu ?? 1, message: `${numNodes} nodes of ${node.step.cpu ?? 1} vCPUs need ${vcpus} vCPUs at once, and queue "${queue.name}" has at most ${caps.maxVcpus}, so the job would never start`, fix: `ask for fewer nodes or vCPUs (at most ${caps.maxVcpus} in all), or raise maxVcpus of the queue's compute environment` });
  }
  return problems;
}

/**
 * Batch runs no multi-node parallel job on a compute environment with Spot Instances
 * (https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html). A queue's capabilities say only that some of its
 * environments use Spot, so this is a warning: the job runs if an on-demand environment of the queue takes it, and
 * waits RUNNABLE otherwise.
 */
export function multiNodeSpotWarnings(flow: string, node: GraphNode, queue: QueueInfo): Problem[] {
  if (!queue.capabilities.spot) return [];
  return [
    {
      where: stepWhere(flow, node.name),
      field: 'queue',
      value: queue.name,
      message: `a multi-node parallel job never runs on Spot Instances, and queue "${queue.name}" has a Spot compute environment: the job runs only if an on-demand environment of the queue takes it, else it waits RUNNABLE`,
      fix: 'route the step to a queue whose compute environments are all on-demand (queue, or @batch(queue=...) in a Python flow)',
    },
  ];
}

/** True for the step that runs as a multi-node parallel job (the target of `numParallel`). */
export function isParallelNode(node: GraphNode): boolean {
  return node.step.parallel === true;
}
