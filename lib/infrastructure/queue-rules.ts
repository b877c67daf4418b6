import type { Problem } from '../errors';
import { type ComputeCapabilities, capabilitiesProblems } from './compute-rules';
import { isToken, problem } from './problems';

/** A queue as the rules see it: compute environments by name with their order. */
export interface QueueSpec {
  readonly name: string;
  readonly priority: number;
  readonly computeEnvironments: readonly { readonly name: string; readonly order: number }[];
}

/** Batch job queue names: up to 128 letters, digits, hyphens and underscores. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Every problem of a set of queues over the given compute environments (`where` is the infrastructure's path).
 * `environments` maps each known environment name to its capabilities.
 */
export function validateQueues(
  where: string,
  queues: readonly QueueSpec[],
  environments: ReadonlyMap<string, ComputeCapabilities>,
): Problem[] {
  const found: Problem[] = [];
  const seenNames = new Set<string>();
  const priorities = new Map<number, string>();
  for (const queue of queues) {
    const at = `${where} queue "${queue.name}"`;
    if (!isToken(queue.name) && !QUEUE_NAME.test(queue.name)) {
      found.push(problem(at, 'name', queue.name, 'a queue name is 1-128 letters, digits, hyphens or underscores', 'rename the queue, e.g. "cpu"'));
    }
    if (seenNames.has(queue.name)) {
      found.push(problem(at, 'name', queue.name, 'two queues have this name', 'give every queue its own name'));
    }
    seenNames.add(queue.name);
    if (!isToken(queue.priority)) {
      if (!Number.isInteger(queue.priority) || queue.priority < 0 || queue.priority > 1000) {
        found.push(problem(at, 'priority', queue.priority, 'a priority is a whole number from 0 to 1000', 'set priority between 0 and 1000 (higher runs first)'));
      }
      const other = priorities.get(queue.priority);
      if (other !== undefined) {
        found.push(problem(at, 'priority', queue.priority, `queue "${other}" has the same priority, so Batch orders them arbitrarily`, 'give each queue a distinct priority'));
      } else {
        priorities.set(queue.priority, queue.name);
      }
    }
    found.push(...validateQueueEnvironments(at, queue, environments));
  }
  return found;
}

function validateQueueEnvironments(at: string, queue: QueueSpec, environments: ReadonlyMap<string, ComputeCapabilities>): Problem[] {
  const found: Problem[] = [];
  if (queue.computeEnvironments.length === 0) {
    found.push(problem(at, 'computeEnvironments', [], 'a queue needs at least one compute environment, or no job in it ever runs', 'list one or more compute environments for the queue'));
    return found;
  }
  if (queue.computeEnvironments.length > 3) {
    found.push(problem(at, 'computeEnvironments', queue.computeEnvironments.map((e) => e.name), 'Batch allows at most 3 compute environments per queue', 'keep the 3 you want first, or split the queue'));
  }
  const orders = new Map<number, string>();
  const platforms = new Map<string, string[]>();
  const listed = new Set<string>();
  for (const entry of queue.computeEnvironments) {
    if (listed.has(entry.name)) {
      found.push(problem(at, 'computeEnvironments', entry.name, 'the environment is listed twice; Batch would try the same capacity again', 'list each compute environment of the queue once'));
    }
    listed.add(entry.name);
    const capabilities = environments.get(entry.name);
    if (!capabilities) {
      found.push(problem(at, 'computeEnvironments', entry.name, 'no compute environment has this name', `use one of: ${[...environments.keys()].join(', ') || '(none defined)'}`));
    } else {
      platforms.set(capabilities.platform, [...(platforms.get(capabilities.platform) ?? []), entry.name]);
    }
    if (!Number.isInteger(entry.order) || entry.order < 1) {
      found.push(problem(at, `computeEnvironments["${entry.name}"].order`, entry.order, 'an order is a whole number of at least 1', 'number the environments 1, 2, 3 in the order Batch should try them'));
    }
    const other = orders.get(entry.order);
    if (other !== undefined) {
      found.push(problem(at, `computeEnvironments["${entry.name}"].order`, entry.order, `environment "${other}" has the same order`, 'give each environment of the queue a distinct order'));
    } else {
      orders.set(entry.order, entry.name);
    }
  }
  if (platforms.size > 1) {
    const mix = [...platforms.entries()].map(([p, names]) => `${p}: ${names.join(', ')}`).join('; ');
    found.push(problem(at, 'computeEnvironments', mix, 'Fargate and EC2 environments are mixed in one queue; Batch refuses this at deploy', 'put Fargate environments and EC2 environments in separate queues'));
  }
  return found;
}

/** What a queue can give a job: the union over its environments (all of one platform once validated). */
export function queueCapabilities(environments: readonly ComputeCapabilities[]): ComputeCapabilities {
  if (environments.length === 0) throw new Error('queueCapabilities needs at least one compute environment');
  return {
    platform: environments[0].platform,
    gpu: environments.some((e) => e.gpu),
    neuron: environments.some((e) => e.neuron),
    spot: environments.some((e) => e.spot),
    maxVcpus: Math.max(...environments.map((e) => e.maxVcpus)),
  };
}

/**
 * Queues created elsewhere (`existingQueues`) share the names steps route by with the created ones: a name used twice
 * would route some steps to one queue and the exported config to the other.
 */
export function existingQueueProblems(where: string, createdNames: readonly string[], existing: readonly { readonly name: string; readonly capabilities: ComputeCapabilities }[]): Problem[] {
  const found: Problem[] = [];
  const seen = new Set(createdNames);
  for (const queue of existing) {
    const at = `${where} existing queue "${queue.name}"`;
    if (!isToken(queue.name) && !QUEUE_NAME.test(queue.name)) {
      found.push(problem(at, 'name', queue.name, 'a queue name is 1-128 letters, digits, hyphens or underscores', 'rename the queue, e.g. "cpu"'));
    }
    if (seen.has(queue.name)) {
      found.push(problem(at, 'name', queue.name, 'another queue, created or existing, has this name', 'give every queue its own name (the name steps route by, not the physical queue name)'));
    }
    seen.add(queue.name);
    found.push(...capabilitiesProblems(at, 'capabilities', queue.capabilities));
  }
  return found;
}

/** AWS Batch's range for a job state time limit action (`maxTimeSeconds`): 10 minutes to 1 day. */
export const WATCHDOG_SECONDS = { min: 600, max: 86400 } as const;

/** The RUNNABLE watchdog's waits, in seconds as given (`misconfigured`, `insufficientCapacity`). */
export function runnableWatchdogProblems(where: string, waits: Readonly<Record<string, number | undefined>>): Problem[] {
  return Object.entries(waits).flatMap(([field, seconds]) => {
    if (seconds === undefined || isToken(seconds) || (Number.isInteger(seconds) && seconds >= WATCHDOG_SECONDS.min && seconds <= WATCHDOG_SECONDS.max)) return [];
    return [problem(
      where, `runnableWatchdog.${field}`, `${seconds} seconds`,
      'AWS Batch cancels a waiting job after 10 minutes to 1 day, in whole seconds',
      'give a Duration from Duration.minutes(10) to Duration.days(1), or runnableWatchdog: false to let jobs wait',
    )];
  });
}

/**
 * Compute environments no queue lists: no job can reach them, yet one with `minVcpus` keeps instances running. A
 * warning, not an error: an environment may be staged before the queue that will use it.
 */
export function unusedEnvironmentWarnings(where: string, environments: ReadonlyMap<string, { readonly minVcpus?: number }>, queues: readonly QueueSpec[]): Problem[] {
  const used = new Set(queues.flatMap((q) => q.computeEnvironments.map((e) => e.name)));
  return [...environments]
    .filter(([name]) => !used.has(name))
    .map(([name, { minVcpus }]) => problem(
      where, 'computeEnvironments', name,
      `no queue lists this compute environment, so no job can run on it${minVcpus !== undefined && !isToken(minVcpus) && minVcpus > 0 ? `, yet its minVcpus (${minVcpus}) keeps instances running` : ''}`,
      'add it to a queue\'s computeEnvironments, or remove it',
    ));
}
