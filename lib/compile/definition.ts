import type { GraphNode } from '../graph/analyze';
import { DEFAULT_MAX_WORKERS } from '../graph/model';
import { encodeManifest } from '../runtime/manifest';
import { AslDefinition, AslState, AslStates, PAYLOAD, partitionArn } from './asl';
import { mapResultsPrefix } from './fanout';
import { foreachBody, maxNumSplitsOf } from './foreach-strategy';
import { INIT_STATES, initStates } from './init-states';
import { FlowPlan, numNodesOf } from './plan';
import { catchRecorderState, retryLoopStates } from './failure-states';
import { LAMBDA_TRANSIENT_RETRY, userRetries } from './retry';
import { stateNames } from './state-names';
import { TaskMode, submitJobState } from './task-states';

/** ARNs the definition points at; CDK tokens in the construct, plain strings in tests. */
export interface DefinitionRefs {
  readonly partition: string;
  jobDefinitionArn(key: string): string;
  jobQueueArn(queueName: string): string;
  readonly fanoutFunctionArn: string;
  readonly catchFunctionArn: string;
}


interface Scope {
  readonly states: AslStates;
  /** Inside an inline or distributed Map iteration: tasks have a split index at `$.index`. */
  readonly insideMap: boolean;
}

type Transition = { Next: string } | { End: true };

class DefinitionBuilder {
  private readonly maxWorkers: number;

  constructor(
    private readonly plan: FlowPlan,
    private readonly refs: DefinitionRefs,
  ) {
    this.maxWorkers = plan.graph.document.maxWorkers ?? DEFAULT_MAX_WORKERS;
  }

  private node(name: string): GraphNode {
    return this.plan.graph.nodes.get(name)!;
  }

  /** Adds the states of `name` and every step after it up to (not including) `exit`. */
  visit(name: string, exit: string | undefined, scope: Scope): void {
    const node = this.node(name);
    const endsHere = node.type === 'end' || (exit !== undefined && node.outFuncs.includes(exit));
    const after = (next: string): Transition => (endsHere ? { End: true } : { Next: next });
    switch (node.type) {
      case 'split': {
        const join = node.matchingJoin!;
        this.addTask(node, 'single', scope, { Next: stateNames.branches(name) });
        scope.states[stateNames.branches(name)] = {
          Type: 'Parallel',
          Branches: node.outFuncs.map((child) => {
            const branch: Scope = { states: {}, insideMap: scope.insideMap };
            this.visit(child, join, branch);
            return { StartAt: child, States: branch.states };
          }),
          ResultPath: null,
          Next: join,
        };
        this.visit(join, exit, scope);
        return;
      }
      case 'foreach':
        this.addTask(node, 'single', scope, { Next: stateNames.fanout(name) }, true);
        this.addForeach(node, scope);
        this.visit(node.matchingJoin!, exit, scope);
        return;
      case 'split-parallel': {
        const parallel = this.node(node.outFuncs[0]);
        const join = node.matchingJoin ?? parallel.outFuncs[0];
        this.addTask(node, 'single', scope, { Next: parallel.name });
        this.addTask(parallel, 'multinode', scope, { Next: join });
        this.visit(join, exit, scope);
        return;
      }
      default:
        this.addTask(node, 'single', scope, endsHere ? { End: true } : after(node.outFuncs[0]));
        if (!endsHere) this.visit(node.outFuncs[0], exit, scope);
    }
  }

  private addTask(node: GraphNode, mode: TaskMode, scope: Scope, transition: Transition, keepJobId = false, body?: { foreach: string; previous?: string }, name = node.name): void {
    const stepPlan = this.plan.steps.get(node.name)!;
    const state: AslState = {
      ...submitJobState({
        graph: this.plan.graph,
        node,
        mode,
        insideMapIteration: scope.insideMap,
        previousBodyStep: body?.previous,
        foreachStep: body?.foreach,
        keepJobId,
        jobTags: this.plan.options.jobTags,
        refs: {
          partition: this.refs.partition,
          jobDefinitionArn: this.refs.jobDefinitionArn(stepPlan.jobDefinitionKey),
          jobQueueArn: this.refs.jobQueueArn(stepPlan.queueName),
        },
      }),
      ...transition,
    };
    const perTask = mode === 'single' || mode === 'multinode';
    const times = perTask ? userRetries(node.step) : 0;
    const catches = perTask && node.step.catch !== undefined;
    const catchers: unknown[] = [];
    if (times > 0) {
      catchers.push({ ErrorEquals: ['States.TaskFailed', 'States.Timeout'], ResultPath: PAYLOAD.caught, Next: stateNames.retry(name) });
      this.addRetryLoop(node, name, times, catches, scope);
    }
    if (catches) catchers.push({ ErrorEquals: ['States.ALL'], ResultPath: PAYLOAD.caught, Next: stateNames.caught(name) });
    if (catchers.length > 0) (state as Record<string, unknown>).Catch = catchers;
    if (catches) {
      const nodes = mode === 'multinode' ? numNodesOf(this.plan.graph, node) : undefined;
      scope.states[stateNames.caught(name)] = { ...catchRecorderState(node, this.refs.partition, this.refs.catchFunctionArn, nodes), ...transition };
    }
    scope.states[name] = state;
  }

  private addRetryLoop(node: GraphNode, name: string, times: number, catches: boolean, scope: Scope): void {
    Object.assign(scope.states, retryLoopStates(node, name, times, catches));
  }


  private addForeach(foreach: GraphNode, scope: Scope): void {
    const name = foreach.name;
    const stepPlan = this.plan.steps.get(name)!;
    const strategy = stepPlan.foreachStrategy!;
    const join = foreach.matchingJoin!;
    const maxSplits = maxNumSplitsOf(this.plan.graph);
    const selected: Record<string, string> = { 'width.$': '$.Payload.width' };
    if (strategy === 'array-job') selected['waves.$'] = '$.Payload.waves';
    if (strategy === 'inline-map') selected['items.$'] = '$.Payload.items';
    if (strategy === 'distributed-map') selected['manifest.$'] = '$.Payload.manifest';
    scope.states[stateNames.fanout(name)] = {
      Type: 'Task',
      Comment: `foreach "${name}" (${strategy}): read the width the step recorded`,
      Resource: partitionArn(this.refs.partition, 'lambda:invoke'),
      Parameters: {
        FunctionName: this.refs.fanoutFunctionArn,
        Payload: { step: name, strategy, maxWorkers: this.maxWorkers, maxNumSplits: maxSplits, 'runId.$': PAYLOAD.runId, 'taskId.$': PAYLOAD.path, 'jobId.$': `${PAYLOAD.job}.JobId` },
      },
      ResultSelector: selected,
      ResultPath: PAYLOAD.fanout,
      Retry: [LAMBDA_TRANSIENT_RETRY],
      Next: stateNames.width(name),
    };
    const width = `${PAYLOAD.fanout}.width`;
    const body = foreachBody(this.plan.graph, foreach).steps;
    scope.states[stateNames.width(name)] = {
      Type: 'Choice',
      Choices: [
        { Variable: width, NumericGreaterThan: maxSplits, Next: stateNames.tooWide(name) },
        { Variable: width, NumericEquals: 0, Next: join },
        ...(strategy === 'array-job' ? [{ Variable: width, NumericEquals: 1, Next: stateNames.single(body[0]) }] : []),
      ],
      Default: stateNames.map(name),
    };
    scope.states[stateNames.tooWide(name)] = {
      Type: 'Fail',
      Error: 'MaxNumSplitsExceeded',
      Cause: `foreach step "${name}" of flow "${this.plan.graph.document.name}" produced more than maxNumSplits = ${maxSplits} splits; nothing was started for them. Raise the flow's maxNumSplits or shorten the list.`,
    };
    if (strategy === 'array-job') this.addArrayBody(foreach, body, join, scope);
    else this.addMapBody(foreach, strategy, join, scope);
  }

  private addArrayBody(foreach: GraphNode, body: readonly string[], join: string, scope: Scope): void {
    const iteration: Scope = { states: {}, insideMap: false };
    body.forEach((step, i) => {
      const node = this.node(step);
      const last = i === body.length - 1;
      const previous = i === 0 ? undefined : body[i - 1];
      this.addTask(node, 'array-single', scope, { Next: last ? join : stateNames.single(body[i + 1]) }, false, { foreach: foreach.name, previous }, stateNames.single(step));
      this.addTask(node, 'array', iteration, last ? { End: true } : { Next: body[i + 1] }, false, { foreach: foreach.name, previous });
    });
    const chunks: AslState = {
      Type: 'Map',
      Comment: 'the array jobs of one wave, side by side',
      ItemsPath: '$.chunks',
      ItemSelector: {
        'run.$': '$.run',
        'path.$': PAYLOAD.path,
        'offset.$': '$$.Map.Item.Value.offset',
        'size.$': '$$.Map.Item.Value.size',
        'dependsOn.$': '$$.Map.Item.Value.dependsOn',
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: body[0], States: iteration.states },
      ResultPath: null,
      End: true,
    };
    scope.states[stateNames.map(foreach.name)] = {
      Type: 'Map',
      Comment: `array-job foreach: waves of Batch array jobs, one per body step per chunk (${this.maxWorkers} max workers)`,
      ItemsPath: `${PAYLOAD.fanout}.waves`,
      ItemSelector: { 'run.$': '$.run', 'path.$': PAYLOAD.path, 'chunks.$': '$$.Map.Item.Value.chunks' },
      MaxConcurrency: 1,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: stateNames.chunks(foreach.name), States: { [stateNames.chunks(foreach.name)]: chunks } },
      ResultPath: null,
      Next: join,
    };
  }

  private addMapBody(foreach: GraphNode, strategy: 'inline-map' | 'distributed-map', join: string, scope: Scope): void {
    const iteration: Scope = { states: {}, insideMap: true };
    const first = foreach.outFuncs[0];
    this.visit(first, join, iteration);
    const selector = {
      'run.$': '$.run',
      'path.$': `States.Format('{}-{}', ${PAYLOAD.path}, $$.Map.Item.Value)`,
      'parentPath.$': PAYLOAD.path,
      'index.$': '$$.Map.Item.Value',
      'retries.$': PAYLOAD.retries,
    };
    const common = { ItemSelector: selector, MaxConcurrency: this.maxWorkers, ResultPath: null, Next: join };
    if (strategy === 'inline-map') {
      scope.states[stateNames.map(foreach.name)] = {
        Type: 'Map',
        Comment: 'inline-map foreach (maxNumSplits keeps it small)',
        ItemsPath: `${PAYLOAD.fanout}.items`,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: first, States: iteration.states },
        ...common,
      };
      return;
    }
    const { datastoreBucket, datastorePrefix } = this.plan.options;
    scope.states[stateNames.map(foreach.name)] = {
      Type: 'Map',
      Comment: 'distributed-map foreach over the S3 item manifest the fan-out wrote',
      ItemReader: {
        Resource: partitionArn(this.refs.partition, 's3:getObject'),
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': `${PAYLOAD.fanout}.manifest.bucket`, 'Key.$': `${PAYLOAD.fanout}.manifest.key` },
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: first, States: iteration.states },
      ResultWriter: {
        Resource: partitionArn(this.refs.partition, 's3:putObject'),
        Parameters: { Bucket: datastoreBucket, Prefix: mapResultsPrefix(datastorePrefix, this.plan.graph.document.name) },
      },
      ...common,
    };
  }
}

/** The state machine definition of a planned flow (JSONPath ASL), with the flow manifest as its Comment. */
export function buildDefinition(plan: FlowPlan, refs: DefinitionRefs): AslDefinition {
  const graph = plan.graph;
  const builder = new DefinitionBuilder(plan, refs);
  const scope: Scope = { states: {}, insideMap: false };
  builder.visit(graph.start, undefined, scope);
  const retrying = [...plan.steps.values()].filter((s) => s.retryMode === 'task' && userRetries(graph.nodes.get(s.name)!.step) > 0).map((s) => s.name);
  const init = initStates(graph.document, graph.start, retrying);
  const definition: AslDefinition = {
    Comment: encodeManifest(plan.manifest),
    StartAt: INIT_STATES.defaults,
    States: { ...init.states, ...scope.states },
  };
  if (graph.document.workflowTimeoutSeconds !== undefined) definition.TimeoutSeconds = graph.document.workflowTimeoutSeconds;
  return definition;
}
