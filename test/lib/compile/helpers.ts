import type { CompileOptions, DefinitionRefs } from '../../../lib/compile';
import type { FlowDocument, StepSpec } from '../../../lib/graph/model';
import { installPromiseWithResolvers } from '../../../lib/local/asl/polyfill';

/** Plain-data options: an EC2 queue, a GPU queue and a Fargate queue. */
export const OPTIONS: CompileOptions = {
  queues: [
    { name: 'cpu', capabilities: { platform: 'EC2', gpu: false, neuron: false, spot: true, maxVcpus: 256 } },
    { name: 'gpu', capabilities: { platform: 'EC2', gpu: true, neuron: false, spot: false, maxVcpus: 64 } },
    { name: 'fargate', capabilities: { platform: 'FARGATE', gpu: false, neuron: false, spot: false, maxVcpus: 16 } },
  ],
  defaultQueueName: 'cpu',
  image: 'node:22-slim',
  datastoreBucket: 'datastore-bucket',
  datastorePrefix: 'metaflow',
};

export const REFS: DefinitionRefs = {
  partition: 'aws',
  jobDefinitionArn: (key) => `arn:aws:batch:us-east-1:123456789012:job-definition/jd-${key}:1`,
  jobQueueArn: (name) => `arn:aws:batch:us-east-1:123456789012:job-queue/${name}`,
  fanoutFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fanout',
  catchFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:catch',
};

const cmd = (name: string): readonly string[] => ['node', `steps/${name}.mjs`];

export function step(name: string, next: string[], extra: Partial<StepSpec> = {}): StepSpec {
  return { name, next, command: cmd(name), ...extra };
}

export function flow(name: string, steps: StepSpec[], extra: Partial<FlowDocument> = {}): FlowDocument {
  return { version: 1, name, steps, ...extra };
}

export const LINEAR = flow('Linear', [step('start', ['a']), step('a', ['end']), step('end', [])]);

export const BRANCH = flow('Branch', [
  step('start', ['a', 'b']),
  step('a', ['join']),
  step('b', ['join']),
  step('join', ['end'], { join: true }),
  step('end', []),
]);

/** start → foreach(N) → 2-step body → join → end: the benchmark's shape. */
export const FOREACH = flow('Foreach', [
  step('start', ['body1'], { foreach: 'items' }),
  step('body1', ['body2']),
  step('body2', ['join']),
  step('join', ['end'], { join: true }),
  step('end', []),
]);

/** A foreach whose body holds a branch: not a chain. */
export const NESTED = flow('Nested', [
  step('start', ['fan'], { foreach: 'items' }),
  step('fan', ['x', 'y']),
  step('x', ['inner_join']),
  step('y', ['inner_join']),
  step('inner_join', ['join'], { join: true }),
  step('join', ['end'], { join: true }),
  step('end', []),
]);

export const PARALLEL = flow('Parallel', [
  step('start', ['train'], { numParallel: 4 }),
  step('train', ['join'], { parallel: true }),
  step('join', ['end'], { join: true }),
  step('end', []),
]);

type Json = unknown;
/** A Task state's resolved Parameters, as a local run saw them. */
export interface TaskCall {
  readonly state: string;
  readonly input: Record<string, Json>;
}

/**
 * Runs a compiled definition with aws-local-stepfunctions (JSONPath, as the local engine does); every Task state
 * becomes `handle(stateName, resolvedParameters)`. Resolving `.$` fields is the library's job, so this checks that
 * the paths and intrinsic functions the compiler wrote resolve to what the runtime contract promises.
 */
export async function runLocally(
  definition: object,
  input: Json,
  handle: (state: string, params: Record<string, Json>) => Json,
  executionName = 'exec-1',
): Promise<{ output: Json; calls: TaskCall[] }> {
  installPromiseWithResolvers();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');
  const calls: TaskCall[] = [];
  const handlers: Record<string, (i: Json) => Json> = {};
  const waits: Record<string, number> = {};
  const collect = (states: Record<string, { Type: string; Branches?: Array<{ States: object }>; ItemProcessor?: { States: object } }>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Wait') waits[name] = 0;
      if (state.Type === 'Task') {
        handlers[name] = (resolved) => {
          calls.push({ state: name, input: resolved as Record<string, Json> });
          return handle(name, resolved as Record<string, Json>);
        };
      }
      state.Branches?.forEach((b) => collect(b.States as never));
      if (state.ItemProcessor) collect(state.ItemProcessor.States as never);
    }
  };
  // Local handlers replace the Task call but still get the resolved Parameters as input.
  const def = JSON.parse(JSON.stringify(definition)) as { States: Record<string, never> };
  collect(def.States);
  const machine = new StateMachine(def as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
    context: { Execution: { Name: executionName } } as never,
  });
  const output = await execution.result;
  return { output, calls };
}

/** Environment of a SubmitJob call as a plain object. */
export function envOf(call: TaskCall): Record<string, string> {
  const params = call.input as { ContainerOverrides?: { Environment?: Array<{ Name: string; Value: string }> }; NodeOverrides?: { NodePropertyOverrides: Array<{ ContainerOverrides: { Environment: Array<{ Name: string; Value: string }> } }> } };
  const list = params.ContainerOverrides?.Environment ?? params.NodeOverrides?.NodePropertyOverrides[0].ContainerOverrides.Environment ?? [];
  return Object.fromEntries(list.map((e) => [e.Name, e.Value]));
}

/** `asl-validator` ships no types. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errors: unknown[] };
/** asl-validator adds `QueryLanguage` to the object it checks: it gets a copy. */
export function validateAsl(definition: unknown): { isValid: boolean; errors: unknown[] } {
  return aslValidator(JSON.parse(JSON.stringify(definition)));
}

/** One state of a definition, as the shape a test expects. */
export function stateOf<T>(definition: { States: object }, name: string): T {
  return (definition.States as Record<string, unknown>)[name] as T;
}
